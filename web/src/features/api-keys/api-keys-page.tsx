import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { z } from 'zod';
import type { ApiKeyView, CreatedApiKey } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, CardTitle } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { CopyButton } from '../../components/ui/copy-button.tsx';
import { Checkbox, Field, Input } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useCursorPages } from '../../lib/use-cursor-pages.ts';
import { formValues, validate, type FieldErrors } from '../../lib/form.ts';
import { can, PERMISSIONS, type Permission } from '../auth/permissions.ts';
import { fieldError } from '../auth/field-error.ts';
import { useMe } from '../auth/use-session.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api.ts';

const keySchema = z.object({
  name: z.string().trim().min(1, { error: 'required' }).max(100),
  scopes: z.array(z.enum(PERMISSIONS)).min(1, { error: 'scopes_required' }),
  expiresAt: z.iso.date().optional(),
  rateLimitPerMinute: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

/** API keys: created with scopes, an expiry and a rate; the secret shows once; revoke; last use. */
export function ApiKeysPage() {
  const { t, formatDate } = useI18n();
  const me = useMe().data;
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyView | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const keys = useCursorPages(['api-keys'], (cursor) => listApiKeys(cursor));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['api-keys'] });
  const create = useMutation({
    mutationFn: createApiKey,
    onSuccess: async (key) => {
      setCreated(key);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeApiKey(id),
    onSuccess: async () => {
      setRevoking(null);
      await refresh();
    },
  });
  const grantable = PERMISSIONS.filter((p) => can(me?.role, p));

  function onSubmit(form: HTMLFormElement): void {
    const raw = formValues(form);
    const scopes = grantable.filter((p) => raw[`scope:${p}`] === true);
    const checked = validate(keySchema, {
      name: raw.name,
      scopes,
      expiresAt: raw.expiresAt || undefined,
      rateLimitPerMinute: raw.rateLimitPerMinute || undefined,
    });
    if (!checked.ok) return setErrors(checked.fieldErrors);
    setErrors({});
    const { expiresAt, rateLimitPerMinute, ...rest } = checked.values;
    create.mutate({
      ...rest,
      scopes: rest.scopes as Permission[],
      ...(expiresAt ? { expiresAt: new Date(`${expiresAt}T23:59:59Z`).toISOString() } : {}),
      ...(rateLimitPerMinute ? { rateLimitPerMinute } : {}),
    });
    form.reset();
  }

  const rows = keys.rows;
  const columns: Array<Column<ApiKeyView>> = [
    { header: t('field.name'), cell: (k) => k.name },
    { header: t('apiKeys.prefix'), cell: (k) => <code>{k.prefix}…</code> },
    { header: t('apiKeys.scopes'), className: 'text-xs', cell: (k) => k.scopes.join(', ') },
    { header: t('apiKeys.lastUsed'), cell: (k) => (k.lastUsedAt ? formatDate(k.lastUsedAt) : t('apiKeys.never')) },
    { header: t('apiKeys.expires'), cell: (k) => (k.expiresAt ? formatDate(k.expiresAt, false) : '—') },
    {
      header: t('common.actions'),
      hidden: true,
      cell: (k) =>
        k.revokedAt ? (
          <Badge tone="red">{t('apiKeys.revoked')}</Badge>
        ) : (
          <Button variant="ghost" size="sm" onClick={() => setRevoking(k)}>
            {t('apiKeys.revoke')}
            <span className="sr-only"> {k.name}</span>
          </Button>
        ),
    },
  ];
  return (
    <>
      <PageHeader title={t('apiKeys.title')} description={t('apiKeys.intro')} />
      <div className="space-y-6">
        {created && (
          <Card className="border-green-400 dark:border-green-700" aria-labelledby="new-key-title">
            <h2 id="new-key-title" className="font-semibold">
              {t('apiKeys.createdTitle', { name: created.name })}
            </h2>
            <p className="mt-1 text-sm">{t('apiKeys.shownOnce')}</p>
            <div className="mt-3 flex flex-wrap items-center gap-2">
              <code data-testid="api-key-secret" className="rounded bg-zinc-100 px-2 py-1 text-sm break-all dark:bg-zinc-800">
                {created.key}
              </code>
              <CopyButton text={created.key} label={t('apiKeys.copy')} copiedLabel={t('common.copied')} />
              <Button variant="ghost" size="sm" onClick={() => setCreated(null)}>
                {t('apiKeys.done')}
              </Button>
            </div>
          </Card>
        )}
        <Card>
          <CardTitle>{t('apiKeys.new')}</CardTitle>
          <form
            noValidate
            className="space-y-4"
            onSubmit={(e) => {
              e.preventDefault();
              onSubmit(e.currentTarget);
            }}
          >
            <div className="grid gap-4 sm:grid-cols-3">
              <Field label={t('field.name')} error={fieldError(errors.name, t)}>
                <Input name="name" required />
              </Field>
              <Field label={t('apiKeys.expires')} hint={t('apiKeys.expiresHint')} error={fieldError(errors.expiresAt, t)}>
                <Input name="expiresAt" type="date" />
              </Field>
              <Field label={t('apiKeys.rate')} hint={t('apiKeys.rateHint')} error={fieldError(errors.rateLimitPerMinute, t)}>
                <Input name="rateLimitPerMinute" type="number" min={1} inputMode="numeric" />
              </Field>
            </div>
            <fieldset>
              <legend className="text-sm font-medium">{t('apiKeys.scopes')}</legend>
              {errors.scopes && <p className="text-sm text-red-700 dark:text-red-400">{fieldError(errors.scopes, t)}</p>}
              <div className="mt-2 grid gap-2 sm:grid-cols-3">
                {grantable.map((p) => (
                  <Checkbox key={p} name={`scope:${p}`} label={p} defaultChecked={p === 'chat:use'} />
                ))}
              </div>
            </fieldset>
            <ErrorMessage error={create.error} />
            <Button type="submit" pending={create.isPending}>
              {t('apiKeys.create')}
            </Button>
          </form>
        </Card>
        <Card>
          <CardTitle>{t('apiKeys.list')}</CardTitle>
          <DataTable caption={t('apiKeys.list')} columns={columns} rows={rows} rowKey={(k) => k.id} state={keys} empty={t('apiKeys.empty')} more={keys} />
        </Card>
      </div>
      <Confirm
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={t('apiKeys.revokeTitle')}
        description={t('apiKeys.revokeBody', { name: revoking?.name ?? '' })}
        confirmLabel={t('apiKeys.revoke')}
        pending={revoke.isPending}
        error={revoke.error}
        onConfirm={() => revoking && revoke.mutate(revoking.id)}
      />
    </>
  );
}
