import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { MemberView, Role } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Button } from '../../components/ui/button.tsx';
import { Badge, Card, EmptyState, Spinner, Table, Td, Th } from '../../components/ui/card.tsx';
import { Confirm } from '../../components/ui/confirm.tsx';
import { Input, Select } from '../../components/ui/field.tsx';
import { useI18n } from '../../i18n/index.tsx';
import { ROLES } from '../auth/permissions.ts';
import { useMe } from '../auth/use-session.ts';
import { changeRole, listMembers, removeMember } from './api.ts';

/** Members: search, change role, remove; the rules are on the page before anyone acts. */
export function MembersPage() {
  const { t, formatDate } = useI18n();
  const me = useMe().data;
  const queryClient = useQueryClient();
  const [query, setQuery] = useState('');
  const [removing, setRemoving] = useState<MemberView | null>(null);
  const members = useQuery({ queryKey: ['members'], queryFn: () => listMembers() });
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
  const all = members.data?.data ?? [];
  const owners = all.filter((m) => m.role === 'owner').length;
  const iAmOwner = me?.role === 'owner';
  const needle = query.trim().toLowerCase();
  const shown = needle ? all.filter((m) => m.name.toLowerCase().includes(needle) || m.email.toLowerCase().includes(needle)) : all;

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
        {members.isPending && <Spinner label={t('common.loading')} />}
        <ErrorMessage error={members.error ?? role.error} />
        {members.isSuccess && shown.length === 0 && <EmptyState title={t('members.empty')} />}
        {shown.length > 0 && (
          <Table caption={t('members.title')}>
            <thead>
              <tr>
                <Th>{t('field.name')}</Th>
                <Th>{t('field.email')}</Th>
                <Th>{t('field.role')}</Th>
                <Th>{t('members.joined')}</Th>
                <Th>
                  <span className="sr-only">{t('common.actions')}</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {shown.map((m) => {
                const lastOwner = m.role === 'owner' && owners <= 1;
                const self = m.userId === me?.user.id;
                return (
                  <tr key={m.userId}>
                    <Td>
                      {m.name} {self && <Badge>{t('members.you')}</Badge>}
                    </Td>
                    <Td>{m.email}</Td>
                    <Td>
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
                    </Td>
                    <Td>{formatDate(m.joinedAt, false)}</Td>
                    <Td className="text-right">
                      <Button variant="ghost" size="sm" disabled={lastOwner || self} onClick={() => setRemoving(m)}>
                        {t('members.remove')}
                        <span className="sr-only"> {m.name}</span>
                      </Button>
                    </Td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        )}
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
