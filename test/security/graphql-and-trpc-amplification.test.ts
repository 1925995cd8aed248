// Issue 13, defect 4: any member could send 5,000 aliases of `members`; four such queries at once stalled
// the control plane for 30 s (RSS 248 MB -> 1.1 GB). The attacks, over HTTP: oversized GraphQL documents
// (aliases, depth, tokens), introspection and field suggestions that map the API, a 51-call tRPC batch
// (400 organizations were created in one), and bodies past the cap sent before any credential is checked.
import { connect } from 'node:net';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { beforeAll, describe, expect, test } from 'vitest';
import { generateSecret, hashSecret } from '../../shared/src/crypto.ts';
import type { ControlPlane } from '../../control-plane/src/app.ts';
import { MAX_TRPC_BATCH_SIZE } from '../../control-plane/src/create-http-handler.ts';
import { GRAPHQL_LIMITS } from '../../control-plane/src/graphql/create-yoga.ts';
import { MAX_GRAPHQL_BODY_BYTES } from '../../control-plane/src/http/graphql-route.ts';
import { ADMIN_TOKEN_PREFIX } from '../../control-plane/src/services/admin-tokens.ts';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { graphqlAs, startControlPlaneOnPglite, useControlPlaneOnPglite, trpcCode } from '../support/control-plane-on-pglite.ts';

/** Writes the bytes as they are and reads the whole HTTP answer (until the server closes or a chunked body ends). */
function rawExchange(controlPlane: ControlPlane, ...writes: (string | Buffer)[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(controlPlane.port, '127.0.0.1', () => writes.forEach((bytes) => socket.write(bytes)));
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.endsWith('\r\n0\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

function aliasesOfMembers(count: number, orgId: string): string {
  return `{ ${Array.from({ length: count }, (_, index) => `m${index}: members(orgId: "${orgId}") { email }`).join(' ')} }`;
}

describe('the control plane refuses amplification before doing the work', () => {
  const controlPlane = useControlPlaneOnPglite();
  let memberToken: string;
  let orgId: string;

  beforeAll(async () => {
    orgId = (await controlPlane.prisma.organization.findFirstOrThrow()).id;
    // A plain member of the org with an admin token: the attacker of the report.
    memberToken = generateSecret(ADMIN_TOKEN_PREFIX);
    await controlPlane.prisma.user.create({
      data: {
        email: 'member@example.com',
        adminTokens: { create: { name: 'attack', tokenHash: hashSecret(memberToken) } },
        memberships: { create: { orgId, role: 'member' } },
      },
    });
  });

  test("a member's 5,000 aliases of members are refused unrun, as are past-limit aliases and depth; 15 aliases still run", async () => {
    const attack = await graphqlAs(controlPlane, memberToken, aliasesOfMembers(5000, orgId));
    expect(attack.data).toBeUndefined();
    expect(attack.errors?.[0]?.message).toMatch(/token limit of 1000 exceeded/i);

    const oneTooMany = await graphqlAs(controlPlane, memberToken, aliasesOfMembers(GRAPHQL_LIMITS.aliases + 1, orgId));
    expect(oneTooMany.data).toBeUndefined();
    expect(oneTooMany.errors?.[0]?.message).toMatch(/aliases limit of 15 exceeded/i);

    const deep = await graphqlAs(controlPlane, memberToken, '{ a { b { c { d { e { f { g { h } } } } } } } }');
    expect(deep.data).toBeUndefined();
    expect(deep.errors?.map((error) => error.message).join('\n')).toMatch(/depth limit of 6 exceeded/i);

    const allowed = await graphqlAs(controlPlane, memberToken, aliasesOfMembers(GRAPHQL_LIMITS.aliases, orgId));
    expect(allowed.errors).toBeUndefined();
    expect(allowed.data?.[`m${GRAPHQL_LIMITS.aliases - 1}`]).toContainEqual({ email: 'member@example.com' });
  });

  test('introspection, GraphiQL and "did you mean" suggestions are off by default', async () => {
    const introspection = await graphqlAs(controlPlane, memberToken, '{ __schema { types { name } } }');
    expect(introspection.data).toBeUndefined();
    expect(introspection.errors?.[0]?.message).toMatch(/introspection has been disabled/);

    const guess = await graphqlAs(controlPlane, memberToken, `{ member(orgId: "${orgId}") { email } }`);
    expect(guess.errors?.[0]?.message).toMatch(/Cannot query field "member"/);
    expect(guess.errors?.[0]?.message).not.toMatch(/members/);

    const page = await fetch(`${controlPlane.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });

  test('with GRAPHQL_INTROSPECTION=true (development) they are on', async () => {
    const development = await startControlPlaneOnPglite({ graphqlIntrospection: true });
    try {
      const { controlPlane: open } = development;
      const introspection = await graphqlAs(open, open.adminToken, '{ __schema { queryType { name } } }');
      expect(introspection.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const guess = await graphqlAs(open, open.adminToken, '{ member(orgId: "x") { email } }');
      expect(guess.errors?.[0]?.message).toMatch(/Did you mean "members"/);
      const page = await fetch(`${open.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
    } finally {
      await development.close();
    }
  });

  test(`a tRPC batch of ${MAX_TRPC_BATCH_SIZE + 1} organization creations is refused whole`, async () => {
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({ url: `${controlPlane.url}/trpc`, headers: { authorization: `Bearer ${controlPlane.adminToken}` }, maxItems: MAX_TRPC_BATCH_SIZE + 1 }),
      ],
    });
    const organizationsBefore = await controlPlane.prisma.organization.count();
    const outcomes = await Promise.all(
      Array.from({ length: MAX_TRPC_BATCH_SIZE + 1 }, (_, index) =>
        client.organizations.create.mutate({ name: `batch ${index}` }).then(
          () => 'created',
          (error: unknown) => trpcCode(error),
        ),
      ),
    );
    expect(new Set(outcomes)).toEqual(new Set(['BAD_REQUEST']));
    expect(await controlPlane.prisma.organization.count()).toBe(organizationsBefore);
  });

  test('a GraphQL body past the cap is refused (413) without waiting for it, declared or streamed', async () => {
    const head = 'POST /graphql HTTP/1.1\r\nhost: control-plane\r\ncontent-type: application/json\r\n';
    const envelope = `{"errors":[{"message":"the body is larger than ${MAX_GRAPHQL_BODY_BYTES} bytes","extensions":{"code":"request_too_large"}}]}`;
    // 100 MiB announced, none sent: the answer comes at once.
    const declared = await rawExchange(controlPlane, `${head}content-length: ${100 * 1024 * 1024}\r\n\r\n`);
    expect(declared).toMatch(/^HTTP\/1\.1 413 /);
    expect(declared).toContain(envelope);
    // Chunked, no length: refused once the cap is passed, before the body ends (it never does).
    const chunk = 2 * MAX_GRAPHQL_BODY_BYTES;
    const streamed = await rawExchange(controlPlane, `${head}transfer-encoding: chunked\r\n\r\n${chunk.toString(16)}\r\n`, Buffer.alloc(chunk, 0x20), '\r\n');
    expect(streamed).toMatch(/^HTTP\/1\.1 413 /);
    expect(streamed).toContain(envelope);
  });

  test('tRPC answers a caller with no credential without reading the body, and refuses a body past its cap', async () => {
    const unauthenticated = await rawExchange(
      controlPlane,
      `POST /trpc/organizations.create HTTP/1.1\r\nhost: control-plane\r\ncontent-type: application/json\r\ncontent-length: ${100 * 1024 * 1024}\r\n\r\n`,
    );
    expect(unauthenticated).toMatch(/^HTTP\/1\.1 401 /);

    const organizationsBefore = await controlPlane.prisma.organization.count();
    const response = await fetch(`${controlPlane.url}/trpc/organizations.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.adminToken}` },
      body: JSON.stringify({ name: 'x'.repeat(9 * 1024 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { data: { code: string } } }).error.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await controlPlane.prisma.organization.count()).toBe(organizationsBefore);
  });
});
