import { Link } from '@tanstack/react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import { ApiError } from '../../api/problem.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Dialog } from '../../components/ui/dialog.tsx';
import { Field, Input, Select } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { useForm } from '../../lib/use-form.ts';
import { fieldError } from '../auth/field-error.ts';
import { email } from '../auth/schemas.ts';
import { createTenant, type CreatedTenant, PLANS } from './api.ts';

/** The API's rules for POST /admin/tenants (src/modules/tenant/admin/dto/tenant-admin.dto.ts). */
const createTenantForm = z.object({
  name: z.string().trim().min(1, { error: 'required' }).max(200),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .refine((s) => s === '' || /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(s), { error: 'slug' })
    .transform((s) => s || undefined),
  plan: z.enum(PLANS as [string, ...string[]]),
  ownerEmail: email,
});
const FIELDS = ['name', 'slug', 'plan', 'ownerEmail'] as const;

/** Create a tenant with its owner; the answer says what the owner was sent. */
export function TenantCreateDialog({ open, onOpenChange }: { open: boolean; onOpenChange(open: boolean): void }) {
  const t = useT();
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreatedTenant | null>(null);
  const form = useForm(
    createTenantForm,
    async (values) => {
      try {
        setCreated(await createTenant({ ...values, plan: values.plan as (typeof PLANS)[number] }));
        await queryClient.invalidateQueries({ queryKey: ['admin', 'tenants'] });
      } catch (error) {
        // A taken slug belongs beside the slug field.
        if (error instanceof ApiError && error.code === 'tenant_slug_taken') {
          throw new ApiError({ ...error.problem, errors: [{ field: 'slug', message: t('adminTenants.slugTaken') }] });
        }
        throw error;
      }
    },
    FIELDS,
  );

  function close(next: boolean): void {
    if (!next) setCreated(null);
    onOpenChange(next);
  }

  return (
    <Dialog open={open} onOpenChange={close} title={t('adminTenants.createTitle')} description={t('adminTenants.createIntro')}>
      {created ? (
        <div className="space-y-4">
          <p role="status" className="rounded-md border border-green-300 bg-green-50 p-3 text-sm text-green-900 dark:border-green-800 dark:bg-green-950 dark:text-green-100">
            {t('adminTenants.created', { name: created.name, slug: created.slug })}{' '}
            {t(created.owner.invited ? 'adminTenants.ownerInvited' : 'adminTenants.ownerNotified', { email: created.owner.email })}
          </p>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => close(false)}>
              {t('adminTenants.close')}
            </Button>
            <Link
              to="/admin/tenants/$tenantId"
              params={{ tenantId: created.id }}
              className="inline-flex h-10 items-center rounded-md bg-indigo-600 px-4 text-sm font-medium text-white hover:bg-indigo-700"
            >
              {t('adminTenants.open', { name: created.name })}
            </Link>
          </div>
        </div>
      ) : (
        <form noValidate onSubmit={form.onSubmit} className="space-y-4">
          <Field label={t('adminTenants.name')} error={fieldError(form.fieldErrors.name, t)}>
            <Input name="name" autoComplete="off" required />
          </Field>
          <Field label={t('adminTenants.slug')} hint={t('adminTenants.slugHint')} error={fieldError(form.fieldErrors.slug, t)}>
            <Input name="slug" autoComplete="off" />
          </Field>
          <Field label={t('adminTenants.plan')} error={fieldError(form.fieldErrors.plan, t)}>
            <Select name="plan" defaultValue="free">
              {PLANS.map((plan) => (
                <option key={plan} value={plan}>
                  {plan}
                </option>
              ))}
            </Select>
          </Field>
          <Field label={t('adminTenants.ownerEmail')} hint={t('adminTenants.ownerHint')} error={fieldError(form.fieldErrors.ownerEmail, t)}>
            <Input name="ownerEmail" type="email" autoComplete="off" required />
          </Field>
          <ErrorMessage error={form.error} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => close(false)}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" pending={form.pending}>
              {t('adminTenants.create')}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
