// The console's one way to the control plane's procedures: the tRPC client, typed by the control plane's
// own router (a type-only import: nothing of the server is bundled). The session cookie goes along by
// itself (same origin); mutations also carry the session's CSRF token (docs/identity.md).
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';

let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The header every request that is not GET or HEAD needs while signed in. */
export function csrfHeaders(): Record<string, string> {
  return csrfToken ? { 'x-csrf-token': csrfToken } : {};
}

export const trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: '/trpc', headers: csrfHeaders })] });

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** A page's own check of an input failed before anything was sent; it names the input like the server's `param`. */
export class InputError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a failed call says, and which input it blames (the gateway's `param`), so the page can show it there. */
export function describeError(error: unknown): { message: string; param: string | null } {
  if (error instanceof InputError) return { message: error.message, param: error.param };
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data;
    return { message: error.message, param: data?.param ?? null };
  }
  return { message: error instanceof Error ? error.message : String(error), param: null };
}
