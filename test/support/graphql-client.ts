import type { Gateway } from './gateway-harness.ts';

/** Calls the control plane's GraphQL API as the seeded admin; throws on GraphQL errors. */
export async function graphql<T = unknown>(gateway: Gateway, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const controlPlane = gateway.controlPlane;
  if (!controlPlane) throw new Error('control plane is not running');
  const response = await fetch(`${controlPlane.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.adminToken}` },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (result.errors?.length) throw new Error(`GraphQL: ${result.errors.map((error) => error.message).join('; ')}`);
  return result.data as T;
}
