import { PageHeader } from '../../components/page-header.tsx';
import { EmptyState } from '../../components/ui/card.tsx';
import { useT } from '../../i18n/index.tsx';

/**
 * The platform console's place (its own issue): tenants, analytics, jobs. It shares this app's
 * shell, client, guard (platform admins only) and catalog.
 */
export function TenantsPage() {
  const t = useT();
  return (
    <>
      <PageHeader title={t('admin.title')} description={t('admin.intro')} />
      <EmptyState title={t('admin.soon')} />
    </>
  );
}
