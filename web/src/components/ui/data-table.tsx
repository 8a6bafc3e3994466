import type { ReactNode } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { ErrorMessage } from '../error-display.tsx';
import { Button } from './button.tsx';
import { EmptyState, Spinner, Table, Td, Th } from './card.tsx';
import { cn } from './cn.ts';

export interface Column<T> {
  /** The header's text; with `hidden`, read by screen readers only (an actions column). */
  header: string;
  hidden?: boolean;
  cell: (row: T) => ReactNode;
  className?: string;
}

/** The state of the list behind the table: TanStack Query's fields, so a query passes as it is. */
export interface ListState {
  isPending: boolean;
  isSuccess: boolean;
  error: unknown;
}

/** Keyset paging: "Load more" while the API answers a next cursor. */
export interface MoreRows {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => unknown;
}

interface DataTableProps<T> {
  caption: string;
  columns: Array<Column<T>>;
  rows: T[];
  rowKey: (row: T) => string;
  state: ListState;
  /** Shown once the list loaded with no row. */
  empty: string;
  /** An error of an action on the rows (change, revoke), shown with the list's own. */
  actionError?: unknown;
  more?: MoreRows;
}

/**
 * The console's one list table: loading, the error, the empty state, the rows, and "Load more" for
 * cursor-paged lists. Columns are data (a header and a cell per row), so pages keep only what differs.
 */
export function DataTable<T>({ caption, columns, rows, rowKey, state, empty, actionError, more }: DataTableProps<T>) {
  const { t } = useI18n();
  return (
    <>
      {state.isPending && <Spinner label={t('common.loading')} />}
      <ErrorMessage error={state.error ?? actionError} />
      {state.isSuccess && rows.length === 0 && <EmptyState title={empty} />}
      {rows.length > 0 && (
        <Table caption={caption}>
          <thead>
            <tr>
              {columns.map((c) => (
                <Th key={c.header}>
                  {c.hidden ? <span className="sr-only">{c.header}</span> : c.header}
                </Th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {rows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <Td key={c.header} className={cn(c.hidden && 'text-right whitespace-nowrap', c.className)}>
                    {c.cell(row)}
                  </Td>
                ))}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {more?.hasNextPage && (
        <Button variant="secondary" className="mt-4" pending={more.isFetchingNextPage} onClick={() => void more.fetchNextPage()}>
          {t('common.loadMore')}
        </Button>
      )}
    </>
  );
}
