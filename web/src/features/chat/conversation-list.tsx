import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { session } from '../../api/session.ts';
import type { ConversationView } from '../../api/views.ts';
import { ErrorMessage } from '../../components/error-display.tsx';
import { Button } from '../../components/ui/button.tsx';
import { EmptyState, Spinner } from '../../components/ui/card.tsx';
import { Dialog } from '../../components/ui/dialog.tsx';
import { Field, Input } from '../../components/ui/field.tsx';
import { Menu, MenuItem } from '../../components/ui/dropdown.tsx';
import { useT } from '../../i18n/index.tsx';
import { deleteConversation, listConversations, renameConversation, startConversation } from './api.ts';
import { useDebounced } from '../../lib/use-debounced.ts';
import { pendingDeletes } from './pending-deletes.ts';

/** How long typing must pause before the search asks the server. */
const SEARCH_DEBOUNCE_MS = 300;

let onDeleteSettled: (error?: unknown) => void = () => undefined;
const deletions = pendingDeletes({
  commit: deleteConversation,
  currentTenant: () => session.current?.tenant?.id ?? null,
  settled: (error) => onDeleteSettled(error),
});

/**
 * The conversation list: keyset pages of 30 (fast however many there are), a search of the titles
 * by the server (it reaches conversations not loaded yet), rename, and delete with Undo.
 */
export function ConversationList({ activeId }: { activeId: string | undefined }) {
  const t = useT();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [filter, setFilter] = useState('');
  const [renaming, setRenaming] = useState<ConversationView | null>(null);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const pendingDeletes = useSyncExternalStore(deletions.subscribe, () => deletions.current);
  useEffect(() => {
    onDeleteSettled = (error) => {
      setDeleteError(error ?? null);
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
    };
    return () => {
      onDeleteSettled = () => undefined;
    };
  }, [queryClient]);
  const q = useDebounced(filter.trim(), SEARCH_DEBOUNCE_MS);
  const pages = useInfiniteQuery({
    queryKey: ['conversations', q],
    queryFn: ({ pageParam }) => listConversations(pageParam, q),
    // While the next search runs, the previous results stay (no flash of a spinner per keystroke).
    placeholderData: (previous) => previous,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const create = useMutation({
    mutationFn: startConversation,
    onSuccess: async ({ id, welcome }) => {
      queryClient.setQueryData(['welcome', id], welcome);
      await queryClient.invalidateQueries({ queryKey: ['conversations'] });
      await navigate({ to: '/conversations/$conversationId', params: { conversationId: id } });
    },
  });
  const rename = useMutation({
    mutationFn: ({ id, title }: { id: string; title: string }) => renameConversation(id, title),
    onSuccess: async () => {
      setRenaming(null);
      await queryClient.invalidateQueries({ queryKey: ['conversations'] });
    },
  });
  const remove = (c: ConversationView) => {
    setDeleteError(null);
    deletions.schedule({ id: c.id, title: c.title });
    if (c.id === activeId) void navigate({ to: '/conversations' });
  };

  const hidden = new Set(pendingDeletes.map((p) => p.id));
  const shown = (pages.data?.pages.flatMap((p) => p.data) ?? []).filter((c) => !hidden.has(c.id));
  const searching = filter.trim() !== '';

  return (
    <div className="flex h-full flex-col gap-3">
      <Button onClick={() => create.mutate()} pending={create.isPending}>
        {t('chat.new')}
      </Button>
      <ErrorMessage error={create.error} />
      <label className="sr-only" htmlFor="conversation-filter">
        {t('chat.search')}
      </label>
      <Input id="conversation-filter" type="search" placeholder={t('chat.search')} value={filter} onChange={(e) => setFilter(e.target.value)} />
      {pages.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={pages.error ?? deleteError} />
      {pages.isSuccess && shown.length === 0 && <EmptyState title={searching ? t('chat.noMatch') : t('chat.empty')} />}
      <nav aria-label={t('chat.conversations')} className="min-h-0 flex-1 overflow-y-auto">
        <ul className="space-y-1">
          {shown.map((c) => (
            <li key={c.id} className="group flex items-center gap-1">
              <Link
                to="/conversations/$conversationId"
                params={{ conversationId: c.id }}
                className="min-w-0 flex-1 truncate rounded-md px-2 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
                activeProps={{ className: 'bg-zinc-100 font-medium dark:bg-zinc-800', 'aria-current': 'page' }}
              >
                {c.title ?? t('chat.untitled')}
              </Link>
              <Menu
                label={t('chat.actionsFor', { title: c.title ?? t('chat.untitled') })}
                trigger={
                  <Button variant="ghost" size="sm" className="px-2">
                    <span aria-hidden>⋯</span>
                  </Button>
                }
              >
                <MenuItem onSelect={() => setRenaming(c)}>{t('chat.rename')}</MenuItem>
                <MenuItem onSelect={() => remove(c)}>{t('common.delete')}</MenuItem>
              </Menu>
            </li>
          ))}
        </ul>
        {pages.hasNextPage && (
          <Button variant="secondary" size="sm" className="mt-2 w-full" pending={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
            {t('common.loadMore')}
          </Button>
        )}
      </nav>
      <Dialog open={renaming !== null} onOpenChange={(open) => !open && setRenaming(null)} title={t('chat.renameTitle')}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const title = new FormData(e.currentTarget).get('title');
            if (renaming && typeof title === 'string') rename.mutate({ id: renaming.id, title });
          }}
          className="space-y-4"
        >
          <ErrorMessage error={rename.error} />
          <Field label={t('chat.titleField')}>
            <Input name="title" defaultValue={renaming?.title ?? ''} maxLength={80} required autoFocus />
          </Field>
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setRenaming(null)}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" pending={rename.isPending}>
              {t('common.save')}
            </Button>
          </div>
        </form>
      </Dialog>
      <div role="status" aria-live="polite" className="space-y-2">
        {pendingDeletes.map((p) => (
          <div key={p.id} className="flex items-center justify-between gap-2 rounded-md bg-zinc-900 px-3 py-2 text-sm text-white dark:bg-zinc-100 dark:text-zinc-900">
            <span className="min-w-0 truncate">{t('chat.deleted', { title: p.title ?? t('chat.untitled') })}</span>
            <Button variant="secondary" size="sm" onClick={() => deletions.undo(p.id)}>
              {t('chat.undo')}
            </Button>
          </div>
        ))}
      </div>
    </div>
  );
}
