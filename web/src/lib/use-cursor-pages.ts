import { type QueryKey, useInfiniteQuery } from '@tanstack/react-query';

/**
 * A keyset-paged list of the API (`{ data, nextCursor }`): the pages loaded so far as one list of
 * rows, and "load more" while the server answers a next cursor. The query passes as it is to
 * DataTable's `state` and `more`.
 */
export function useCursorPages<T>(queryKey: QueryKey, fetchPage: (cursor: string | undefined) => Promise<{ data: T[]; nextCursor: string | null }>) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return { ...query, rows: query.data?.pages.flatMap((p) => p.data) ?? [] };
}
