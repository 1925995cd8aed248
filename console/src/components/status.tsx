// The states every page shows the same way: loading, empty, and an error (in an alert region, so a screen
// reader announces it).
import type { ReactNode } from 'react';
import { describeError } from '../trpc.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {describeError(error).message}
    </p>
  );
}

/** What a list's query is doing before there are rows to show: loading, failed, or answered with none. */
export function ListStatus({
  query,
  count,
  what,
  empty,
}: {
  query: { isPending: boolean; error: unknown; data?: unknown };
  count: number;
  what: string;
  empty: string;
}) {
  return (
    <>
      {query.isPending ? <Loading what={what} /> : null}
      <ErrorNote error={query.error} />
      {query.data !== undefined && count === 0 ? <Empty>{empty}</Empty> : null}
    </>
  );
}

/** The button for the next keyset page of a list while there is one, beside any other actions on the list. */
export function LoadMore({
  query,
  label,
  children,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
  label: string;
  children?: ReactNode;
}) {
  if (!query.hasNextPage && !children) return null;
  return (
    <p className="actions">
      {query.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : label}
        </button>
      ) : null}
      {children}
    </p>
  );
}
