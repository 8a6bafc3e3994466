import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { MemberView, Role } from '../../api/views.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
import { type Column, DataTable } from '../../components/ui/data-table.tsx';
import { Input, Select } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { useCursorPages } from '../../lib/use-cursor-pages.ts';
import { useDebounced } from '../../lib/use-debounced.ts';
import { ROLES } from '../auth/permissions.ts';
import { useMe } from '../auth/use-session.ts';
import { changeRole, listMembers, removeMember } from './api.ts';

/** Members: search, change role, remove, a page at a time; the rules are on the page before anyone acts. */
export function MembersPage() {
  const { t, formatDate } = useI18n();
  const me = useMe().data;
  const queryClient = useQueryClient();
  const [query, setQuery] = useState('');
  const [removing, setRemoving] = useState<MemberView | null>(null);
  const search = useDebounced(query.trim(), 300);
  const members = useCursorPages(['members', search], (cursor) => listMembers(cursor, search || undefined));
  const role = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) => changeRole(userId, role),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['members'] }),
  });
  const remove = useMutation({
    mutationFn: (userId: string) => removeMember(userId),
    onSuccess: async () => {
      setRemoving(null);
      await queryClient.invalidateQueries({ queryKey: ['members'] });
    },
  });
  const all = members.rows;
  // Counted over the loaded (or searched) rows: an owner not shown can only make this stricter; the server decides.
  const owners = all.filter((m) => m.role === 'owner').length;
  const iAmOwner = me?.role === 'owner';
  const shown = all;

  const columns: Array<Column<MemberView>> = [
    {
      header: t('field.name'),
      cell: (m) => (
        <>
          {m.name} {m.userId === me?.user.id && <Badge>{t('members.you')}</Badge>}
        </>
      ),
    },
    { header: t('field.email'), cell: (m) => m.email },
    {
      header: t('field.role'),
      cell: (m) => {
        const lastOwner = m.role === 'owner' && owners <= 1;
        return (
          <>
            <label className="sr-only" htmlFor={`role-${m.userId}`}>
              {t('members.roleOf', { name: m.name })}
            </label>
            <Select
              id={`role-${m.userId}`}
              className="w-32"
              value={m.role}
              disabled={lastOwner || (m.role === 'owner' && !iAmOwner) || role.isPending}
              title={lastOwner ? t('members.lastOwner') : undefined}
              onChange={(e) => role.mutate({ userId: m.userId, role: e.target.value as Role })}
            >
              {ROLES.filter((r) => r !== 'owner' || iAmOwner || m.role === 'owner').map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </Select>
          </>
        );
      },
    },
    { header: t('members.joined'), cell: (m) => formatDate(m.joinedAt, false) },
    {
      header: t('common.actions'),
      hidden: true,
      cell: (m) => (
        <Button variant="ghost" size="sm" disabled={(m.role === 'owner' && owners <= 1) || m.userId === me?.user.id} onClick={() => setRemoving(m)}>
          {t('members.remove')}
          <span className="sr-only"> {m.name}</span>
        </Button>
      ),
    },
  ];

  return (
    <>
      <PageHeader title={t('members.title')} description={t('members.rules')} />
      <Card>
        <div className="mb-4 max-w-sm">
          <label htmlFor="member-search" className="sr-only">
            {t('members.search')}
          </label>
          <Input id="member-search" type="search" placeholder={t('members.search')} value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
        <DataTable
          caption={t('members.title')}
          columns={columns}
          rows={shown}
          rowKey={(m) => m.userId}
          state={members}
          empty={t('members.empty')}
          actionError={role.error}
          more={members}
        />
      </Card>
      <Confirm
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={t('members.removeTitle')}
        description={t('members.removeBody', { name: removing?.name ?? '' })}
        confirmLabel={t('members.remove')}
        pending={remove.isPending}
        error={remove.error}
        onConfirm={() => removing && remove.mutate(removing.userId)}
      />
    </>
  );
}
