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

export function ErrorNote({ error, id }: { error: unknown; id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {describeError(error).message}
    </p>
  );
}
