// A key revoked through the GraphQL admin API stops working on the data plane (as soon as the next snapshot
// arrives: how soon is a figure for the bench), without touching the org's other keys.
import { describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { useGateway, SIMULATOR_MODEL } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { graphql } from '../support/graphql-client.ts';

describe.each(testEngines)('key revocation (%s)', (engine) => {
  const gateway = useGateway(engine);

  it('a key revoked through GraphQL gets 401 once the revocation reached the data plane', async () => {
    const orgId = (await gateway.controlPlane!.prisma.organization.findFirstOrThrow()).id;
    const created = await graphql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      gateway,
      'mutation ($orgId: ID!) { createApiKey(orgId: $orgId, name: "to-revoke") { key apiKey { id } } }',
      { orgId },
    );
    const doomed = gateway.client(created.createApiKey.key);
    const ask = (client: OpenAI) => client.chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    const statusOf = (client: OpenAI) =>
      ask(client).then(
        () => 200,
        (error: { status?: number }) => error.status,
      );

    // The data plane learns of the new key through the snapshot too.
    await expect.poll(() => statusOf(doomed)).toBe(200);

    await graphql(gateway, 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.createApiKey.apiKey.id });
    await expect.poll(() => statusOf(doomed)).toBe(401);
    const error = await ask(doomed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });

    // The org's other key still works.
    await expect(ask(gateway.client())).resolves.toMatchObject({ object: 'chat.completion' });
  });
});
