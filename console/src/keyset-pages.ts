// The console's long lists (requests, ledger, audit) come a page at a time: each page names where the next one
// starts (keyset pagination on an index), and the list shown is every page loaded so far.
import { useInfiniteQuery } from '@tanstack/react-query';

export function useKeysetPages<Page extends { nextCursor: string | null }, Item>(options: {
  queryKey: readonly unknown[];
  fetchPage: (cursor: string | undefined) => Promise<Page>;
  items: (page: Page) => Item[];
  enabled: boolean;
}) {
  const query = useInfiniteQuery({
    queryKey: options.queryKey,
    queryFn: ({ pageParam }) => options.fetchPage(pageParam ?? undefined),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    enabled: options.enabled,
  });
  return { query, items: query.data?.pages.flatMap(options.items) ?? [] };
}
