// Adds a provider and one model served by it through the control plane's catalog (tRPC, as an admin),
// then waits until the model reached the data plane in a snapshot, as a client would see it in /models.
import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import type { Gateway } from './gateway-harness.ts';
import { waitFor } from './wait-for.ts';

type CatalogInput<Name extends 'upsertProvider' | 'upsertModel'> = Parameters<ReturnType<typeof createTRPCClient<AppRouter>>['catalog'][Name]['mutate']>[0];

export async function addCatalogModel(gateway: Gateway, provider: CatalogInput<'upsertProvider'>, model: CatalogInput<'upsertModel'>): Promise<void> {
  const admin = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc`, headers: { authorization: `Bearer ${gateway.controlPlane!.adminToken}` } })],
  });
  await admin.catalog.upsertProvider.mutate(provider);
  await admin.catalog.upsertModel.mutate(model);
  const listed = async () => {
    const response = await fetch(`${gateway.dataPlane!.url}/v1/models`, { headers: { authorization: `Bearer ${gateway.apiKey}` } });
    return ((await response.json()) as { data: Array<{ id: string }> }).data.some((entry) => entry.id === model.id);
  };
  // The snapshot reaches the data plane asynchronously (and this runs in hooks, where expect.poll cannot).
  await waitFor(async () => ((await listed()) ? true : undefined), { what: `${model.id} to reach the data plane` });
}
