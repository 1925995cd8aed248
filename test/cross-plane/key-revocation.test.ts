// A key revoked through the GraphQL admin API stops working on the data plane within a second,
// without touching the org's other keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startGateway, SIMULATOR_MODEL, type Gateway } from '../support/gateway-harness.ts';
import { testEngines } from '../support/test-database.ts';
import { graphql } from '../support/graphql-client.ts';

describe.each(testEngines)('key revocation (%s)', (engine) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway(engine);
  });
  afterAll(() => gateway?.close());

  it('a key revoked through GraphQL gets 401 on its next request within 1 s', async () => {
    const orgId = (await gateway.controlPlane!.prisma.organization.findFirstOrThrow()).id;
    const created = await graphql<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      gateway,
      'mutation ($orgId: ID!) { createApiKey(orgId: $orgId, name: "to-revoke") { key apiKey { id } } }',
      { orgId },
    );
    const doomed = gateway.client(created.createApiKey.key);
    const ask = (client: OpenAI) => client.chat.completions.create({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'hi' }] });

    // The data plane learns of the new key through the snapshot too.
    await expect
      .poll(
        () =>
          ask(doomed).then(
            () => 200,
            (error: { status?: number }) => error.status,
          ),
        { timeout: 2000 },
      )
      .toBe(200);

    await graphql(gateway, 'mutation ($id: ID!) { revokeApiKey(id: $id) { id } }', { id: created.createApiKey.apiKey.id });
    const revokedAt = Date.now();
    let status: number | undefined;
    while (Date.now() - revokedAt < 1000) {
      status = await ask(doomed).then(
        () => 200,
        (error: { status?: number }) => error.status,
      );
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
    const error = await ask(doomed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });

    // The org's other key still works.
    await expect(ask(gateway.client())).resolves.toMatchObject({ object: 'chat.completion' });
  });
});
