// What the control plane's attack, sign-in and observability tests share: a control plane on a fresh PGlite database (or
// PostgreSQL, for a test run on each engine) reached over HTTP, as an attacker reaches it, a tRPC client that sends one bearer, and the code a refused call carries.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../control-plane/src/app.ts';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { afterAll, beforeAll } from 'vitest';
import { lateBound } from './late-bound.ts';
import { createTestDatabase, type TestEngine } from './test-database.ts';

export interface ControlPlaneOnPglite {
  controlPlane: ControlPlane;
  /** Stops the control plane and drops its database. */
  close(): Promise<void>;
}

export async function startControlPlaneOnPglite(options: Partial<ControlPlaneOptions> = {}, engine: TestEngine = 'pglite'): Promise<ControlPlaneOnPglite> {
  const database = await createTestDatabase(engine);
  const controlPlane = await startControlPlane({ port: 0, dataDir: database.dataDir, databaseUrl: database.databaseUrl, ...options });
  return {
    controlPlane,
    close: async () => {
      await controlPlane.close();
      await database.drop();
    },
  };
}

/**
 * A control plane on PGlite (or `engine`) for a describe block: started in its beforeAll, stopped in its afterAll.
 * Options that depend on an earlier beforeAll's fixture (a receiver's URL) are given as a function.
 */
export function useControlPlaneOnPglite(
  options: Partial<ControlPlaneOptions> | (() => Partial<ControlPlaneOptions>) = {},
  engine: TestEngine = 'pglite',
): ControlPlane {
  const controlPlane = lateBound<ControlPlane>('the control plane');
  let server: ControlPlaneOnPglite | undefined;
  beforeAll(async () => {
    server = await startControlPlaneOnPglite(typeof options === 'function' ? options() : options, engine);
    controlPlane.set(server.controlPlane);
  });
  afterAll(() => server?.close());
  return controlPlane.value;
}

/** A tRPC client that calls `controlPlane` with `Authorization: Bearer <bearer>`. */
export function trpcAs(controlPlane: Pick<ControlPlane, 'url'>, bearer: string) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${bearer}` } })] });
}

/** The tRPC error code of a refused call (e.g. BAD_REQUEST), or what else was thrown. */
export function trpcCode(error: unknown): string {
  return error instanceof TRPCClientError ? String((error.data as { code?: string } | undefined)?.code) : `not a tRPC error: ${String(error)}`;
}

/** 'allowed' when the call succeeds, else its tRPC error code. */
export function trpcOutcome(call: Promise<unknown>): Promise<string> {
  return call.then(() => 'allowed', trpcCode);
}

export interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Posts `query` to the control plane's GraphQL endpoint with `Authorization: Bearer <bearer>`; the parsed answer. */
export async function graphqlAs(controlPlane: Pick<ControlPlane, 'url'>, bearer: string, query: string): Promise<GraphQLAnswer> {
  const response = await fetch(`${controlPlane.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphQLAnswer;
}
