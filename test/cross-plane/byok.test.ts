// BYOK end to end: a provider key stored through the admin API reaches the upstream in place of the
// platform key (the user's own key before the org's), deleting it brings the platform key back (with the
// next snapshot), BYOK usage is recorded with its cost but not debited, a refused BYOK key is reported as the
// org's, rotation to a new master key keeps every key usable once the old master key is gone, and no
// plaintext provider key is found in a dump of the database or in any file the gateway wrote.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTRPCClient, httpLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { loadSnapshotFile } from '../../data-plane/src/snapshot/load-snapshot.ts';
import { createSnapshotVerifier } from '../../shared/src/crypto.ts';
import { startMistralSimulator, type MistralSimulator } from '../../simulators/mistral/mistral-simulator.ts';
import { addCatalogModel } from '../support/add-catalog-model.ts';
import { startGateway, type Gateway } from '../support/gateway-harness.ts';
import { graphql } from '../support/graphql-client.ts';
import { testEngines } from '../support/test-database.ts';
import { flushedUsageRow } from '../support/usage-rows.ts';
import { waitFor } from '../support/wait-for.ts';

const MODEL = 'byoksim/echo';
const PLATFORM_KEY_ENV = 'BYOK_TEST_PLATFORM_API_KEY';
const PLATFORM_KEY = 'sk-platform-key-for-the-byok-test';

function admin(gateway: Gateway) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc`, headers: { authorization: `Bearer ${gateway.controlPlane!.adminToken}` } })],
  });
}

/** No credential: the invitee's side of an invitation. */
function anonymous(gateway: Gateway) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${gateway.controlPlane!.url}/trpc` })] });
}

/** Every file under `directory`, as raw bytes. */
async function readTree(directory: string): Promise<Array<{ path: string; bytes: Buffer }>> {
  const files: Array<{ path: string; bytes: Buffer }> = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ path, bytes: await readFile(path) });
  }
  return files;
}

/** The plaintext, and the encodings a careless store would use. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
}

describe.each(testEngines)('BYOK (%s)', (engine) => {
  let gateway: Gateway;
  let orgId: string;
  let ownerId: string;
  let memberKey: string;
  let memberId: string;
  const orgProviderKey = `sk-byok-org-${randomBytes(12).toString('hex')}`;
  const memberProviderKey = `sk-byok-member-${randomBytes(12).toString('hex')}`;
  const mistralProviderKey = `byok-mistral-${randomBytes(12).toString('hex')}`;
  let mistral: MistralSimulator;

  const ask = (apiKey = gateway.apiKey) =>
    gateway
      .client(apiKey)
      .chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'who pays?' }] })
      .withResponse();
  const lastAuthorization = () => gateway.simulator.requests.at(-1)?.headers.authorization;
  /** Asks with `apiKey` and returns the authorization the upstream saw, for `expect.poll`. */
  async function upstreamAuthorization(apiKey: string): Promise<string | undefined> {
    await ask(apiKey);
    return lastAuthorization();
  }

  beforeAll(async () => {
    gateway = await startGateway(engine);
    gateway.providerKeys.set(PLATFORM_KEY_ENV, PLATFORM_KEY);
    await addCatalogModel(
      gateway,
      { slug: 'byoksim', baseUrl: gateway.simulator.baseUrl, apiKeyEnv: PLATFORM_KEY_ENV },
      { id: MODEL, name: 'BYOK echo', endpoint: { providerSlug: 'byoksim', upstreamModel: 'echo', prices: { prompt: 3000, completion: 15000 } } },
    );
    const prisma = gateway.controlPlane!.prisma;
    const owner = await prisma.user.findUniqueOrThrow({ where: { email: 'admin@localhost' }, include: { memberships: true } });
    ownerId = owner.id;
    orgId = owner.memberships[0]!.orgId;
    const client = admin(gateway);
    memberId = (await client.users.create.mutate({ email: 'member@byok.example' })).id;
    const { link } = await client.members.invite.mutate({ orgId, email: 'member@byok.example', role: 'member' });
    await anonymous(gateway).invitations.accept.mutate({ token: new URL(link).searchParams.get('token')!, password: 'member password 0123' });
    memberKey = (await client.apiKeys.create.mutate({ orgId, name: 'member', userId: memberId })).key;
    // The member's key reaches the data plane through the snapshot too.
    await waitFor(
      () =>
        ask(memberKey).then(
          () => true,
          () => undefined,
        ),
      { what: "the member's key to reach the data plane" },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await mistral?.close();
  });

  it('sends the platform key until the org brings its own, then only the org key, and records but does not debit its usage', async () => {
    await ask();
    expect(lastAuthorization()).toBe(`Bearer ${PLATFORM_KEY}`);

    const created = await graphql<{ createByokCredential: { id: string; last4: string; userId: string | null } }>(
      gateway,
      'mutation ($orgId: ID!, $key: String!) { createByokCredential(orgId: $orgId, provider: "byoksim", key: $key) { id last4 userId } }',
      { orgId, key: orgProviderKey },
    );
    expect(created.createByokCredential).toMatchObject({ last4: orgProviderKey.slice(-4), userId: null });
    await expect.poll(() => upstreamAuthorization(gateway.apiKey)).toBe(`Bearer ${orgProviderKey}`);

    await gateway.dataPlane!.flushUsage();
    const prisma = gateway.controlPlane!.prisma;
    const balanceBefore = (await prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).balanceMicros;
    const { response } = await ask();
    expect(lastAuthorization()).toBe(`Bearer ${orgProviderKey}`);
    const row = await flushedUsageRow(gateway, response);
    expect(row).toMatchObject({ byok: true, providerId: expect.any(String) });
    expect(row.costMicros).toBeGreaterThan(0n);
    expect(await prisma.ledgerEntry.count({ where: { usageRequestId: row.requestId } })).toBe(0);
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: orgId } })).balanceMicros).toBe(balanceBefore);

    // The list shows the last 4 characters and never the key.
    const listed = await graphql<{ byokCredentials: Array<Record<string, unknown>> }>(
      gateway,
      'query ($orgId: ID!) { byokCredentials(orgId: $orgId) { id last4 providerSlug masterKeyVersion } }',
      { orgId },
    );
    expect(listed.byokCredentials).toEqual([
      { id: created.createByokCredential.id, last4: orgProviderKey.slice(-4), providerSlug: 'byoksim', masterKeyVersion: 1 },
    ]);
  });

  it("uses a member's own key for that member's requests, and the org key for everyone else", async () => {
    await admin(gateway).byok.create.mutate({ orgId, provider: 'byoksim', key: memberProviderKey, userId: memberId });
    await expect.poll(() => upstreamAuthorization(memberKey)).toBe(`Bearer ${memberProviderKey}`);
    await ask();
    expect(lastAuthorization()).toBe(`Bearer ${orgProviderKey}`);
  });

  it("reports a refused BYOK key as the organization's and does not retry with the platform key", async () => {
    const before = gateway.simulator.requests.length;
    gateway.simulator.scenario = () => ({ status: 401 });
    try {
      const error = await ask().catch((caught: unknown) => caught as { status?: number; error?: { message?: string } });
      expect(error).toMatchObject({ status: 502 });
      expect((error as { error: { message: string } }).error.message).toMatch(/^byoksim refused your organization's provider key \(BYOK, ending in .{4}\)/);
    } finally {
      gateway.simulator.scenario = () => ({});
    }
    expect(gateway.simulator.requests.slice(before).map((request) => request.headers.authorization)).toEqual([`Bearer ${orgProviderKey}`]);
  });

  it('goes back to the platform key once the deletion of the org key reached the data plane', async () => {
    const [orgCredential] = (await admin(gateway).byok.list.query({ orgId })).filter((credential) => credential.userId === null);
    // Watched through the data plane's snapshot on disk, written just after the in-memory swap, rather than
    // with requests: each request is metered, and its ingest would recompile the snapshot in between.
    await gateway.dataPlane!.flushUsage();
    const onDiskCredentialIds = async () => Object.keys((await snapshotOnDisk(gateway))?.state.byokCredentials ?? {});
    expect(await onDiskCredentialIds()).toContain(orgCredential!.id);
    await graphql(gateway, 'mutation ($id: ID!) { deleteByokCredential(id: $id) { id } }', { id: orgCredential!.id });
    await expect.poll(async () => (await onDiskCredentialIds()).includes(orgCredential!.id)).toBe(false);
    await ask();
    expect(lastAuthorization()).toBe(`Bearer ${PLATFORM_KEY}`);
    // The member's own key is untouched.
    await ask(memberKey);
    expect(lastAuthorization()).toBe(`Bearer ${memberProviderKey}`);
    const actions = await gateway.controlPlane!.prisma.auditLog.findMany({ where: { orgId, action: { startsWith: 'byok.' } }, orderBy: { id: 'asc' } });
    expect(actions.map((entry) => [entry.action, entry.actor])).toEqual([
      ['byok.create', `user:${ownerId}`],
      ['byok.create', `user:${ownerId}`],
      ['byok.delete', `user:${ownerId}`],
    ]);
  });

  it('rotation re-wraps every key to the new master key; with the old one removed every key still reaches the upstream', async () => {
    await admin(gateway).byok.create.mutate({ orgId, provider: 'byoksim', key: orgProviderKey });
    await expect.poll(() => upstreamAuthorization(gateway.apiKey)).toBe(`Bearer ${orgProviderKey}`);
    const developmentKey = (await readFile(join(gateway.dataDir, 'keys', 'byok-master-keys'), 'utf8')).trim();
    expect(developmentKey).toMatch(/^1:/);
    const version2 = `2:${randomBytes(32).toString('base64')}`;

    await gateway.controlPlane!.close();
    await gateway.startControlPlane({ masterKeys: `${developmentKey},${version2}`, masterKeyVersion: '2' });
    const report = await admin(gateway).byok.rotate.mutate({ batchSize: 1 });
    expect(report).toEqual({ currentVersion: 2, rewrapped: 2, failed: [], keysByVersion: [{ masterKeyVersion: 2, count: 2 }] });

    await gateway.controlPlane!.close();
    await gateway.startControlPlane({ masterKeys: version2 });
    // The restarted control plane decrypts every key for its first snapshot; a key it could not open
    // would reach the data plane unusable and the requests below would fail.
    await gateway.controlPlane!.prisma.$queryRaw`SELECT 1`;
    await expect.poll(() => upstreamAuthorization(gateway.apiKey)).toBe(`Bearer ${orgProviderKey}`);
    await ask(memberKey);
    expect(lastAuthorization()).toBe(`Bearer ${memberProviderKey}`);
    expect(await admin(gateway).byok.rotate.mutate()).toMatchObject({ rewrapped: 0, failed: [] });
  });

  it("serves FIM with the org's Mistral key, which the upstream accepts where the platform key is refused", async () => {
    mistral = await startMistralSimulator({ apiKey: mistralProviderKey });
    await addCatalogModel(
      gateway,
      { slug: 'byok-mistral', kind: 'mistral', baseUrl: mistral.baseUrl, apiKeyEnv: PLATFORM_KEY_ENV },
      {
        id: 'byok-mistral/codestral',
        name: 'Codestral (BYOK)',
        endpoint: { providerSlug: 'byok-mistral', upstreamModel: 'codestral-2501', prices: { prompt: 300, completion: 900 } },
      },
    );
    const fim = () =>
      fetch(`${gateway.dataPlane!.url}/v1/fim/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gateway.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'byok-mistral/codestral', prompt: 'def add(a, b):\n    return', max_tokens: 16 }),
      });
    const refused = await fim();
    expect(refused.status).toBe(502);
    expect(mistral.requests.at(-1)?.headers.authorization).toBe(`Bearer ${PLATFORM_KEY}`);

    await admin(gateway).byok.create.mutate({ orgId, provider: 'byok-mistral', key: mistralProviderKey });
    const response = await waitFor(
      async () => {
        const answer = await fim();
        if (answer.status === 200) return answer;
        await answer.body?.cancel();
        return undefined;
      },
      { what: 'FIM to succeed with the org key' },
    );
    expect(mistral.requests.at(-1)?.headers.authorization).toBe(`Bearer ${mistralProviderKey}`);
    const row = await flushedUsageRow(gateway, response);
    expect(row).toMatchObject({ requestedModel: 'byok-mistral/codestral', byok: true });
    expect(row.costMicros).toBeGreaterThan(0n);
  });

  it('leaves no plaintext provider key in a database dump or in any file the gateway wrote', async () => {
    const dataPlane = gateway.dataPlane!;
    const snapshotPath = join(gateway.dataPlaneStateDir, 'snapshot.json');
    // Usage ingest moves the snapshot on (balances), so compare with the version current at each look.
    await expect.poll(async () => (await snapshotOnDisk(gateway))?.version === dataPlane.snapshotVersion()).toBe(true);
    const credentials = Object.values((await snapshotOnDisk(gateway))!.state.byokCredentials);
    expect(credentials).toHaveLength(3);
    for (const credential of credentials) expect(credential.jwe).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+$/);

    let dump: string;
    if (engine === 'postgresql') {
      dump = (await promisify(execFile)('/usr/bin/pg_dump', [gateway.databaseUrl!], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    } else {
      const prisma = gateway.controlPlane!.prisma;
      const tables = await prisma.$queryRaw<Array<{ name: string }>>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`;
      const parts: string[] = [];
      for (const { name } of tables) {
        const rows = await prisma.$queryRawUnsafe<Array<{ row: string }>>(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
        parts.push(name, ...rows.map((row) => row.row));
      }
      dump = parts.join('\n');
    }
    expect(dump).toContain('byok_credentials');
    expect(dump).toContain(orgProviderKey.slice(-4));
    const files = await readTree(gateway.dataDir);
    expect(files.some((file) => file.path === snapshotPath)).toBe(true);
    for (const secret of [orgProviderKey, memberProviderKey, mistralProviderKey]) {
      for (const form of forms(secret)) {
        expect(dump.includes(form), `database dump contains ${form.slice(0, 12)}…`).toBe(false);
        for (const file of files) expect(file.bytes.includes(form), `${file.path} contains ${form.slice(0, 12)}…`).toBe(false);
      }
    }
  });
});

/** The data plane's snapshot as its own loader reads it back from disk: snapshot.json with the deltas log applied. */
async function snapshotOnDisk(gateway: Gateway) {
  const verifier = await createSnapshotVerifier(gateway.controlPlane!.publicJwk);
  const loaded = await loadSnapshotFile(join(gateway.dataPlaneStateDir, 'snapshot.json'), verifier, () => {});
  return loaded?.snapshot ?? null;
}
