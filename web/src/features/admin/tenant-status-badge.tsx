import { Badge } from '../../components/ui/card.tsx';
import { useT } from '../../i18n/index.tsx';
import type { TenantStatus } from './api.ts';

const TONE = { active: 'green', suspended: 'amber', deleted: 'red' } as const;

/** A tenant's status, in words and colour (the word carries it: colour is never the only cue). */
export function TenantStatusBadge({ status }: { status: TenantStatus }) {
  const t = useT();
  return <Badge tone={TONE[status]}>{t(`adminTenants.status.${status}`)}</Badge>;
}
