import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError } from '../../api/problem.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Dialog } from '../../components/ui/dialog.tsx';
import { Field, Input, Select, Textarea } from '../../components/ui/field.tsx';
import { useT } from '../../i18n/index.tsx';
import { type AdminTenant, type Plan, PLANS, runTenantAction, type TenantAction } from './api.ts';

export const REASON_MAX = 500;

/** What the form checks before sending (the API checks the same: a trimmed reason of 1 to 500 characters). */
export function reasonError(reason: string): 'required' | 'tooLong' | undefined {
  const trimmed = reason.trim();
  if (trimmed === '') return 'required';
  if (trimmed.length > REASON_MAX) return 'tooLong';
  return undefined;
}

interface Props {
  tenant: AdminTenant;
  action: TenantAction | null;
  onOpenChange(open: boolean): void;
}

/**
 * Suspend, resume, change plan or delete: each asks first, says what will happen, and requires the
 * reason that goes into the tenant's audit log. Deleting also asks to type the tenant's slug.
 */
export function TenantActionDialog({ tenant, action, onOpenChange }: Props) {
  const t = useT();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [plan, setPlan] = useState<Plan>(() => PLANS.find((p) => p !== tenant.plan) ?? 'free');
  const [slug, setSlug] = useState('');
  const [touched, setTouched] = useState(false);
  const mutation = useMutation({
    mutationFn: () => runTenantAction(tenant.id, action!, reason.trim(), plan),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['admin', 'tenants'] });
      close();
    },
  });

  function close(): void {
    setReason('');
    setSlug('');
    setTouched(false);
    mutation.reset();
    onOpenChange(false);
  }

  if (!action) return null;
  const problem = reasonError(reason);
  const serverReason = mutation.error instanceof ApiError ? mutation.error.fieldErrors.reason : undefined;
  const shownReasonError = touched && problem ? t(problem === 'required' ? 'adminTenants.reasonRequired' : 'adminTenants.reasonTooLong', { max: REASON_MAX }) : serverReason;
  const slugOk = action !== 'delete' || slug.trim() === tenant.slug;
  const samePlan = action === 'plan' && plan === tenant.plan;

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    setTouched(true);
    if (problem || !slugOk || samePlan) return;
    mutation.mutate();
  }

  return (
    <Dialog
      open
      onOpenChange={(open) => !open && close()}
      title={t(`adminTenants.${action}Title`, { name: tenant.name })}
      description={t(`adminTenants.${action}Body`, { name: tenant.name })}
    >
      <form noValidate onSubmit={submit} className="space-y-4">
        {action === 'plan' && (
          <Field label={t('adminTenants.newPlan')} hint={t('adminTenants.currentPlan', { plan: tenant.plan })}>
            <Select value={plan} onChange={(e) => setPlan(e.target.value as Plan)}>
              {PLANS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </Select>
          </Field>
        )}
        <Field label={t('adminTenants.reason')} hint={t('adminTenants.reasonHint', { max: REASON_MAX })} error={shownReasonError}>
          <Textarea name="reason" rows={3} required maxLength={REASON_MAX + 50} value={reason} onChange={(e) => setReason(e.target.value)} />
        </Field>
        {action === 'delete' && (
          <Field label={t('adminTenants.typeSlug', { slug: tenant.slug })} error={touched && !slugOk ? t('adminTenants.slugMismatch') : undefined}>
            <Input name="confirmSlug" autoComplete="off" value={slug} onChange={(e) => setSlug(e.target.value)} />
          </Field>
        )}
        <ErrorMessage error={serverReason ? null : mutation.error} />
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={close}>
            {t('common.cancel')}
          </Button>
          <Button
            type="submit"
            variant={action === 'resume' || action === 'plan' ? 'primary' : 'danger'}
            pending={mutation.isPending}
            disabled={!slugOk || samePlan}
          >
            {t(`adminTenants.${action}Confirm`)}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
