import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import type { TenantView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Card, Spinner } from '../../components/ui/card.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { fieldError } from '../auth/field-error.ts';
import { getTenant, updateTenant } from './api.ts';

const schema = z.object({
  name: z.string().trim().min(1, { error: 'required' }).max(200),
  displayName: z.string().trim().min(1, { error: 'required' }).max(200),
  locale: z.string().trim().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, { error: 'locale' }),
  timezone: z.string().trim().min(1, { error: 'required' }).max(64),
  supportEmail: z.union([z.literal(''), z.email({ error: 'invalid_email' })]),
});

export function SettingsPage() {
  const { t } = useI18n();
  const tenant = useQuery({ queryKey: ['tenant'], queryFn: getTenant });
  return (
    <>
      <PageHeader title={t('settings.title')} />
      {tenant.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={tenant.error} />
      {tenant.data && <SettingsForm tenant={tenant.data} />}
    </>
  );
}

function SettingsForm({ tenant }: { tenant: TenantView }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useForm(
    schema,
    async ({ supportEmail, ...values }) => {
      setSaved(false);
      const next = await updateTenant({ ...values, supportEmail: supportEmail || null });
      queryClient.setQueryData(['tenant'], next);
      await queryClient.invalidateQueries({ queryKey: ['me'] });
      setSaved(true);
    },
    ['name', 'displayName', 'locale', 'timezone', 'supportEmail'],
  );
  const e = (f: string) => fieldError(form.fieldErrors[f], t);
  const s = tenant.settings;
  return (
    <Card>
      <form noValidate onSubmit={form.onSubmit} className="grid gap-4 sm:grid-cols-2">
        <Field label={t('settings.name')} error={e('name')}>
          <Input name="name" defaultValue={tenant.name} />
        </Field>
        <Field label={t('settings.displayName')} error={e('displayName')}>
          <Input name="displayName" defaultValue={s?.displayName ?? tenant.name} />
        </Field>
        <Field label={t('settings.locale')} error={e('locale')} hint={t('settings.localeHint')}>
          <Input name="locale" defaultValue={s?.locale ?? 'en'} />
        </Field>
        <Field label={t('settings.timezone')} error={e('timezone')} hint={t('settings.timezoneHint')}>
          <Input name="timezone" defaultValue={s?.timezone ?? 'UTC'} list="timezones" />
        </Field>
        <Field label={t('settings.supportEmail')} error={e('supportEmail')}>
          <Input name="supportEmail" type="email" defaultValue={s?.supportEmail ?? ''} />
        </Field>
        <datalist id="timezones">
          {(Intl.supportedValuesOf?.('timeZone') ?? ['UTC']).map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <div className="space-y-2 sm:col-span-2">
          <ErrorMessage error={form.error} />
          {saved && (
            <p role="status" className="text-sm text-green-800 dark:text-green-300">
              {t('common.saved')}
            </p>
          )}
          <Button type="submit" pending={form.pending}>
            {t('common.save')}
          </Button>
        </div>
      </form>
    </Card>
  );
}
