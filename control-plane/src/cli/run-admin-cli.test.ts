// The admin CLI against a real, listening control plane: once as `npm run admin` in a child process
// (token from the data folder's file), then in-process for the other commands.
import { execFile } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SIMULATOR_MODEL, useGateway } from '../../../test/support/gateway-harness.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
import { usageEvent } from '../../../test/support/usage-event.ts';
import { startControlPlane, type ControlPlane } from '../app.ts';
import { adminCliUsage, runAdminCli } from './run-admin-cli.ts';

const execFileAsync = promisify(execFile);

describe('npm run admin', () => {
  let database: TestDatabase;
  let controlPlane: ControlPlane;
  let cli: (...argv: string[]) => Promise<{ status: number; stdout: string; stderr: string }>;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    controlPlane = await startControlPlane({ port: 0, dataDir: database.dataDir });
    cli = async (...argv) => {
      let stdout = '';
      let stderr = '';
      const status = await runAdminCli(argv, {
        env: { CONTROL_PLANE_URL: controlPlane.url, ADMIN_TOKEN: controlPlane.adminToken },
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        readSecret: () => Promise.reject(new Error('no terminal in this test')),
      });
      return { status, stdout, stderr };
    };
  });
  afterAll(async () => {
    await controlPlane?.close();
    await database?.drop();
  });

  test('orgs create through the npm script, with the token read from the data folder', async () => {
    const { stdout } = await execFileAsync(
      'npm',
      ['run', '--silent', 'admin', '--', 'orgs', 'create', 'Scripted', '--token-file', join(database.dataDir, 'admin-token')],
      {
        env: { ...process.env, CONTROL_PLANE_URL: controlPlane.url, ADMIN_TOKEN: '' },
      },
    );
    const org = JSON.parse(stdout) as { id: string; name: string };
    expect(org.name).toBe('Scripted');
    expect(await controlPlane.prisma.organization.findUnique({ where: { id: org.id } })).toMatchObject({ name: 'Scripted' });
  });

  test('a person without a token: a password link sets the password, login saves an admin token the other commands then use', async () => {
    const userId = (await controlPlane.prisma.user.create({ data: { email: 'cli-person@example.com' } })).id;
    const issued = JSON.parse((await cli('users', 'password-link', '--user', userId)).stdout) as { link: string };
    expect(issued.link).toMatch(new RegExp(`^${controlPlane.url}/auth/reset-password\\?token=`));
    const passwordFile = join(database.dataDir, 'person-password');
    await writeFile(passwordFile, 'person password 0123\n');
    const set = await cli('password', 'set', issued.link, '--password-file', passwordFile);
    expect(JSON.parse(set.stdout)).toEqual({ email: 'cli-person@example.com', sessionsEnded: 0 });
    expect((await cli('password', 'set', issued.link, '--password-file', passwordFile)).stderr).toContain('already used');

    const tokenFile = join(database.dataDir, 'person', 'admin-token');
    let stdout = '';
    const status = await runAdminCli(['login', '--email', 'cli-person@example.com', '--password-file', passwordFile, '--token-file', tokenFile], {
      env: { CONTROL_PLANE_URL: controlPlane.url },
      stdout: (text) => (stdout += text),
      stderr: () => {},
      readSecret: () => Promise.reject(new Error('no terminal in this test')),
    });
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ email: 'cli-person@example.com', tokenFile });
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    // The session it signed in with is gone; the admin token it left behind works.
    expect(await controlPlane.prisma.session.count({ where: { userId, revokedAt: null } })).toBe(0);
    stdout = '';
    // The token acts as that person: their own account, with no organizations yet.
    const status2 = await runAdminCli(['orgs', 'list', '--token-file', tokenFile], {
      env: { CONTROL_PLANE_URL: controlPlane.url },
      stdout: (text) => (stdout += text),
      stderr: () => {},
      readSecret: () => Promise.reject(new Error('no terminal in this test')),
    });
    expect(status2).toBe(0);
    expect(JSON.parse(stdout)).toEqual([]);
    expect(await controlPlane.prisma.adminToken.count({ where: { userId, revokedAt: null } })).toBe(1);
  });

  test('keys, members, policy and audit commands', async () => {
    const org = JSON.parse((await cli('orgs', 'create', 'CLI Co')).stdout) as { id: string };
    const created = await cli('keys', 'create', '--org', org.id, '--name', 'ci', '--models', 'simulator/echo,openai/*', '--providers', 'simulator');
    expect(created.status).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; scopes: unknown };
    expect(key.key).toMatch(/^sk-gw-/);
    expect(key.scopes).toEqual({ models: ['simulator/echo', 'openai/*'], providers: ['simulator'] });
    expect((JSON.parse((await cli('keys', 'list', '--org', org.id)).stdout) as { id: string }[]).map((row) => row.id)).toEqual([key.id]);
    expect(JSON.parse((await cli('keys', 'revoke', key.id)).stdout)).toMatchObject({ id: key.id, revokedAt: expect.any(String) });

    const invited = JSON.parse((await cli('members', 'invite', '--org', org.id, '--email', 'cli-member@example.com', '--role', 'member')).stdout) as {
      link: string;
      emailed: boolean;
    };
    expect(invited.emailed).toBe(false);
    const passwordFile = join(database.dataDir, 'member-password');
    await writeFile(passwordFile, 'member password 0123\n');
    const accepted = await cli('accept-invitation', invited.link, '--password-file', passwordFile, '--name', 'CLI Member');
    expect(JSON.parse(accepted.stdout)).toMatchObject({ email: 'cli-member@example.com', orgId: org.id, role: 'member', accountCreated: true });
    const member = { userId: (JSON.parse(accepted.stdout) as { userId: string }).userId };
    expect(JSON.parse((await cli('members', 'set-role', '--org', org.id, '--user', member.userId, '--role', 'billing')).stdout)).toMatchObject({
      role: 'billing',
    });

    const policy = await cli('policy', 'set', '--org', org.id, '--models', 'openai/*', '--deny-providers', 'anthropic', '--daily-limit', '2500000');
    expect(JSON.parse(policy.stdout)).toEqual({
      orgId: org.id,
      allowedModels: ['openai/*'],
      allowedProviders: null,
      deniedProviders: ['anthropic'],
      dailyLimitMicros: 2_500_000,
      orgRpmLimit: null,
      orgTpmLimit: null,
      keyRpmLimit: null,
      keyTpmLimit: null,
    });
    await cli('policy', 'set', '--org', org.id, '--models', 'all', '--daily-limit', 'none');
    expect(JSON.parse((await cli('policy', 'show', '--org', org.id)).stdout)).toMatchObject({
      allowedModels: null,
      deniedProviders: ['anthropic'],
      dailyLimitMicros: null,
    });

    const audit = JSON.parse((await cli('audit', 'list', '--org', org.id, '--limit', '3')).stdout) as {
      entries: { action: string }[];
      nextCursor: string | null;
    };
    expect(audit.entries.map((entry) => entry.action)).toEqual(['policy.update', 'policy.update', 'member.set-role']);
    expect(audit.nextCursor).not.toBeNull();
  });

  test('billing commands: credit, balance, ledger and usage grouped by model', async () => {
    const org = JSON.parse((await cli('orgs', 'create', 'Billing Co')).stdout) as { id: string };
    const key = await controlPlane.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    await controlPlane.prisma.apiKey.update({ where: { id: key.id }, data: { orgId: org.id } });
    expect((await cli('billing', 'credit', '--org', org.id, '--kind', 'grant', '--amount', '2000000', '--note', 'trial')).status).toBe(0);
    const adjusted = await cli('billing', 'credit', '--org', org.id, '--kind', 'adjustment', '--amount=-250', '--note', 'goodwill reversed');
    expect(JSON.parse(adjusted.stdout)).toMatchObject({ entry: { kind: 'adjustment', amountMicros: -250 }, balanceMicros: 1_999_750 });
    expect(JSON.parse((await cli('billing', 'balance', '--org', org.id)).stdout)).toEqual({ orgId: org.id, balanceMicros: 1_999_750 });
    const ledger = JSON.parse((await cli('billing', 'ledger', '--org', org.id, '--kind', 'grant')).stdout) as {
      entries: { amountMicros: number; note: string }[];
    };
    expect(ledger.entries.map((entry) => [entry.amountMicros, entry.note])).toEqual([[2_000_000, 'trial']]);

    const usage = (requestId: string, requestedModel: string, costMicros: number, userId = key.userId) =>
      usageEvent({
        requestId,
        orgId: org.id,
        userId,
        apiKeyId: key.id,
        requestedModel,
        promptTokens: 10,
        completionTokens: 5,
        costMicros,
        startedAt: '2026-11-20T12:00:00.000Z',
        finishedAt: '2026-11-20T12:00:01.000Z',
      });
    const ingest = await fetch(`${controlPlane.url}/trpc/dataPlane.ingestUsage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${controlPlane.dataPlaneToken}` },
      body: JSON.stringify({
        events: [usage('cli-1', 'simulator/echo', 30), usage('cli-2', 'simulator/echo', 12), usage('cli-3', 'simulator/other', 7, 'another-user')],
      }),
    });
    expect(ingest.status).toBe(200);
    const summary = await cli('billing', 'usage', '--org', org.id, '--from', '2026-11-20T06:00:00Z', '--to', '2026-11-21T06:00:00Z', '--group-by', 'model');
    const parsed = JSON.parse(summary.stdout) as {
      totals: { requests: number; billedCostMicros: number };
      groups: { model: string; requests: number; billedCostMicros: number }[];
    };
    expect(parsed.totals).toMatchObject({ requests: 3, billedCostMicros: 49 });
    expect(parsed.groups.map((group) => [group.model, group.requests, group.billedCostMicros])).toEqual([
      ['simulator/echo', 2, 42],
      ['simulator/other', 1, 7],
    ]);
    // The dev key is the admin's own; cli-3 was another user's.
    expect(
      JSON.parse((await cli('billing', 'usage', '--org', org.id, '--from', '2026-11-20T06:00:00Z', '--to', '2026-11-21T06:00:00Z', '--mine')).stdout),
    ).toMatchObject({
      totals: { requests: 2, billedCostMicros: 42 },
    });
    const badGroup = await cli('billing', 'usage', '--org', org.id, '--group-by', 'colour');
    expect(badGroup.status).toBe(2);
    expect(badGroup.stderr).toContain('--group-by must be one of day, model, provider, user, key');
  });

  test('byok commands: the key is read from a file, listed by its last 4 characters, rotated and deleted', async () => {
    const org = JSON.parse((await cli('orgs', 'create', 'BYOK Co')).stdout) as { id: string };
    const keyFile = join(database.dataDir, 'provider-key');
    await writeFile(keyFile, 'sk-cli-provider-key-7f3e\n', { mode: 0o600 });
    const created = await cli('byok', 'create', '--org', org.id, '--provider', 'simulator', '--key-file', keyFile);
    expect(created.status).toBe(0);
    expect(created.stdout).not.toContain('sk-cli-provider-key');
    const credential = JSON.parse(created.stdout) as { id: string };
    expect(JSON.parse((await cli('byok', 'list', '--org', org.id)).stdout)).toEqual([
      {
        id: credential.id,
        orgId: org.id,
        userId: null,
        providerId: expect.any(String),
        providerSlug: 'simulator',
        last4: '7f3e',
        masterKeyVersion: 1,
        createdAt: expect.any(String),
      },
    ]);
    expect(JSON.parse((await cli('byok', 'rotate', '--batch-size', '10')).stdout)).toMatchObject({ currentVersion: 1, rewrapped: 0, failed: [] });
    expect(JSON.parse((await cli('byok', 'delete', credential.id)).stdout)).toMatchObject({ id: credential.id });
    expect(JSON.parse((await cli('byok', 'list', '--org', org.id)).stdout)).toEqual([]);
    expect((await cli('byok', 'create', '--org', org.id, '--provider', 'simulator')).status).toBe(2);
  });

  test('catalog commands: a provider and a model with aliases are created, repriced, disabled and listed, each audited', async () => {
    const json = async (...argv: string[]) => {
      const result = await cli(...argv);
      expect(result.stderr).toBe('');
      return JSON.parse(result.stdout) as unknown;
    };
    expect(
      await json(
        'catalog',
        'upsert-provider',
        '--slug',
        'cli-local',
        '--kind',
        'mistral',
        '--base-url',
        'https://mistral.example.com/v1',
        '--api-key-env',
        'CLI_LOCAL_API_KEY',
      ),
    ).toMatchObject({ slug: 'cli-local', kind: 'mistral', baseUrl: 'https://mistral.example.com/v1', apiKeyEnv: 'CLI_LOCAL_API_KEY', enabled: true });
    const model = await json(
      'catalog',
      'upsert-model',
      '--id',
      'cli-local/small',
      '--name',
      'Small',
      '--provider',
      'cli-local',
      '--upstream-model',
      'small-2501',
      '--prompt-price',
      '100',
      '--completion-price',
      '300',
      '--aliases',
      'cli-local/small-latest,cli/small',
    );
    expect(model).toMatchObject({ id: 'cli-local/small', aliases: ['cli-local/small-latest', 'cli/small'], enabled: true });
    await json('catalog', 'set-prices', 'cli-local/small', '--provider', 'cli-local', '--prompt-price', '150', '--completion-price', '600');
    await json('catalog', 'disable-model', 'cli-local/small');
    await json('catalog', 'upsert-provider', '--slug', 'cli-local', '--kind', 'mistral', '--base-url', 'https://mistral.example.com/v1', '--disabled');

    const stored = await controlPlane.prisma.model.findUniqueOrThrow({ where: { id: 'cli-local/small' }, include: { endpoints: true } });
    expect(stored).toMatchObject({ enabled: false, source: 'admin', aliases: ['cli-local/small-latest', 'cli/small'] });
    expect(stored.endpoints).toMatchObject([{ upstreamModel: 'small-2501', promptPriceNanos: 150n, completionPriceNanos: 600n, priceOverridden: true }]);
    const providers = (await json('catalog', 'providers')) as Array<{ slug: string; enabled: boolean; apiKeyEnv: string | null }>;
    // The second upsert named no variable: the provider then needs no key.
    expect(providers.find((provider) => provider.slug === 'cli-local')).toMatchObject({ enabled: false, apiKeyEnv: null });
    const models = (await json('catalog', 'models')) as Array<{ id: string }>;
    expect(models.some((listed) => listed.id === 'cli-local/small')).toBe(true);
    const audit = await controlPlane.prisma.auditLog.findMany({
      where: { OR: [{ target: 'model:cli-local/small' }, { action: 'provider.upsert', details: { path: ['slug'], equals: 'cli-local' } }] },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((entry) => entry.action)).toEqual(['provider.upsert', 'model.upsert', 'model.override-prices', 'model.set-enabled', 'provider.upsert']);
    expect((await cli('catalog', 'upsert-model', '--id', 'cli-local/other', '--name', 'x')).status).toBe(2);
  });

  test('catalog export and apply: a YAML file in git makes the catalog match it, idempotently, printing what changed', async () => {
    const exported = join(database.dataDir, 'exported.yaml');
    const result = JSON.parse((await cli('catalog', 'export', exported)).stdout) as { providers: number; models: number };
    expect(result.models).toBeGreaterThan(0);
    expect(await readFile(exported, 'utf8')).toContain('- id: simulator/echo');

    const file = join(database.dataDir, 'gateway.yaml');
    const yaml = (prompt: number, weight = 1) => `providers:
  - slug: yaml-host
    kind: openai-compatible
    baseUrl: https://llm.example.com/v1
    apiKeyEnv: YAML_HOST_API_KEY
models:
  - id: yaml-host/llama
    name: Llama from YAML
    aliases: [meta-llama/llama-from-yaml]
    endpoints:
      - provider: yaml-host
        upstreamModel: llama-3.3-70b
        weight: ${weight}
        prices: { prompt: ${prompt}, completion: 400 }
`;
    await writeFile(file, yaml(100));
    const apply = async () => (JSON.parse((await cli('catalog', 'apply', file)).stdout) as { changes: string[] }).changes;
    expect(await apply()).toEqual(['+ provider yaml-host', '+ model yaml-host/llama']);
    expect(await apply()).toEqual([]);
    await writeFile(file, yaml(120));
    expect(await apply()).toEqual(['~ model yaml-host/llama endpoint yaml-host: prices']);
    expect(await apply()).toEqual([]);
    await writeFile(file, yaml(120, 3));
    expect(await apply()).toEqual(['~ model yaml-host/llama endpoint yaml-host: weight']);
    expect(await apply()).toEqual([]);

    const stored = await controlPlane.prisma.model.findUniqueOrThrow({ where: { id: 'yaml-host/llama' }, include: { endpoints: true } });
    expect(stored).toMatchObject({ aliases: ['meta-llama/llama-from-yaml'], enabled: true });
    expect(stored.endpoints).toMatchObject([{ upstreamModel: 'llama-3.3-70b', promptPriceNanos: 120n, completionPriceNanos: 400n, weight: 3 }]);
    expect(await readFile(exported, 'utf8')).toMatch(/priority: 0\n\s+weight: 1\n/);
    const audit = await controlPlane.prisma.auditLog.findMany({ where: { target: 'model:yaml-host/llama' } });
    expect(audit.map((entry) => entry.action)).toEqual(['model.upsert', 'model.upsert', 'model.upsert']);
    expect((await cli('catalog', 'apply')).status).toBe(2);
  });

  test('alerts commands: thresholds and a webhook set, one changed without the other, the delivery log, delete', async () => {
    const org = JSON.parse((await cli('orgs', 'create', 'Alerts Co')).stdout) as { id: string };
    // A literal public address: nothing is resolved or called when the webhook is set.
    const webhookUrl = 'https://93.184.215.14/hooks/budget';
    const set = JSON.parse((await cli('alerts', 'set', '--org', org.id, '--thresholds', '80,50,100', '--webhook', webhookUrl)).stdout) as {
      webhookSecret: string;
    };
    expect(set).toEqual({ orgId: org.id, thresholds: [50, 80, 100], webhookUrl, webhookSecret: expect.stringMatching(/^whsec_/) });
    // Only the thresholds: the webhook and its secret stay, and the secret is not shown again.
    expect(JSON.parse((await cli('alerts', 'set', '--org', org.id, '--thresholds', '90')).stdout)).toEqual({ orgId: org.id, thresholds: [90], webhookUrl });
    expect(JSON.parse((await cli('alerts', 'show', '--org', org.id)).stdout)).toEqual({ orgId: org.id, thresholds: [90], webhookUrl });
    const stored = await controlPlane.prisma.orgAlertConfig.findUniqueOrThrow({ where: { orgId: org.id } });
    expect(stored.webhookSecret).toBe(set.webhookSecret);

    await controlPlane.prisma.webhookDelivery.create({
      data: { orgId: org.id, url: webhookUrl, payload: { type: 'budget.threshold_crossed' }, status: 'delivered', attempts: 2, lastStatusCode: 200 },
    });
    expect(JSON.parse((await cli('alerts', 'deliveries', '--org', org.id, '--limit', '10')).stdout)).toEqual([
      expect.objectContaining({ url: webhookUrl, payload: { type: 'budget.threshold_crossed' }, status: 'delivered', attempts: 2, lastStatusCode: 200 }),
    ]);

    expect(JSON.parse((await cli('alerts', 'delete', '--org', org.id)).stdout)).toEqual({ orgId: org.id, thresholds: [], webhookUrl: null });
    const audit = await controlPlane.prisma.auditLog.findMany({ where: { orgId: org.id, action: 'budget-alerts.update' } });
    expect(audit).toHaveLength(3);
    expect((await cli('alerts', 'set', '--org', org.id, '--thresholds', '50,lots')).status).toBe(2);
    expect((await cli('alerts', 'set', '--org', org.id)).status).toBe(2);
  });

  test('errors: a refused call exits 1 with the code, a bad command exits 2 with the usage', async () => {
    const missing = await cli('keys', 'list', '--org', 'no-such-org');
    expect(missing).toMatchObject({ status: 1, stdout: '' });
    expect(missing.stderr).toContain('NOT_FOUND');
    const unknown = await cli('keys', 'explode');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(adminCliUsage);
    expect(await cli('--help')).toEqual({ status: 0, stdout: adminCliUsage, stderr: '' });
  });
});

// Key budgets and rate limits set with the CLI, as a data plane then enforces and shows them.
describe('npm run admin: key budgets and rate limits, seen by a data plane', () => {
  const gateway = useGateway('pglite');
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const status = await runAdminCli(argv, {
      env: { CONTROL_PLANE_URL: gateway.controlPlane!.url, ADMIN_TOKEN: gateway.controlPlane!.adminToken },
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readSecret: () => Promise.reject(new Error('no terminal in this test')),
    });
    return { status, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
  };
  const chat = (key: string) =>
    fetch(`${gateway.dataPlane!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: SIMULATOR_MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 5 }),
    });
  const keyBudget = async (key: string) =>
    (
      (await (await fetch(`${gateway.dataPlane!.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        key_budget?: Record<string, unknown>;
      }
    ).key_budget;

  test('keys create, set-rate-limits, set-budget, clear-budget and policy set --key-rpm: stored, audited, listed and enforced', async () => {
    const { orgId } = await gateway.controlPlane!.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    const created = await cli('keys', 'create', '--org', orgId, '--name', 'capped', '--daily', '5000000', '--time-zone', 'Europe/Paris', '--rpm', '2');
    expect(created.stderr).toBe('');
    const { id, key, budget, rateLimits } = created.json() as { id: string; key: string; budget: unknown; rateLimits: unknown };
    expect(budget).toEqual({ dailyMicros: 5_000_000, weeklyMicros: null, monthlyMicros: null, timeZone: 'Europe/Paris' });
    expect(rateLimits).toEqual({ rpm: 2, tpm: null });

    // The data plane shows the budget's window on /v1/usage and counts the key's 2 requests a minute.
    await expect.poll(async () => ((await keyBudget(key))?.daily as { limit_micros?: number } | undefined)?.limit_micros).toBe(5_000_000);
    const first = await chat(key);
    expect([first.status, first.headers.get('x-ratelimit-limit-requests'), first.headers.get('x-ratelimit-remaining-requests')]).toEqual([200, '2', '1']);
    expect((await chat(key)).status).toBe(200);
    const refused = await chat(key);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'rate_limit_exceeded', scope: 'key', limit_per_minute: 2 } });

    // Back to the org's per-key default (none): served again, without rate limit headers.
    expect((await cli('keys', 'set-rate-limits', id, '--rpm', 'default')).json()).toMatchObject({ rateLimits: { rpm: null, tpm: null } });
    await expect.poll(async () => (await chat(key)).headers.get('x-ratelimit-limit-requests')).toBeNull();
    // The org policy's per-key default then applies to it, and its own org-wide limits are stored.
    expect((await cli('policy', 'set', '--org', orgId, '--key-rpm', '50', '--org-tpm', '900000')).json()).toMatchObject({
      keyRpmLimit: 50,
      keyTpmLimit: null,
      orgRpmLimit: null,
      orgTpmLimit: 900_000,
    });
    await expect.poll(async () => (await chat(key)).headers.get('x-ratelimit-limit-requests')).toBe('50');
    expect((await chat(key)).headers.get('x-ratelimit-limit-tokens')).toBe('900000');
    expect((await cli('policy', 'set', '--org', orgId, '--key-rpm', 'none', '--org-tpm', 'none')).json()).toMatchObject({
      keyRpmLimit: null,
      orgTpmLimit: null,
    });

    // set-budget replaces the whole budget: the daily cap is gone, the weekly one counts in UTC.
    expect((await cli('keys', 'set-budget', id, '--weekly', '7000000')).json()).toMatchObject({
      budget: { dailyMicros: null, weeklyMicros: 7_000_000, monthlyMicros: null, timeZone: 'UTC' },
    });
    await expect.poll(async () => Object.keys((await keyBudget(key)) ?? {})).toEqual(['weekly']);
    const limits = (await cli('billing', 'limits', '--org', orgId)).json() as { keys: Array<{ apiKeyId: string; timeZone: string; windows: unknown[] }> };
    expect(limits.keys.find((entry) => entry.apiKeyId === id)).toEqual({
      apiKeyId: id,
      name: 'capped',
      timeZone: 'UTC',
      windows: [{ period: 'weekly', limitMicros: 7_000_000, spentMicros: expect.any(Number), resetsAt: expect.any(String) }],
    });
    const listed = (JSON.parse((await cli('keys', 'list', '--org', orgId)).stdout) as Array<{ id: string; budget: unknown; rateLimits: unknown }>).find(
      (row) => row.id === id,
    );
    expect(listed).toMatchObject({ budget: { weeklyMicros: 7_000_000 }, rateLimits: { rpm: null, tpm: null } });

    expect((await cli('keys', 'clear-budget', id)).json()).toMatchObject({ budget: { dailyMicros: null, weeklyMicros: null, monthlyMicros: null } });
    await expect.poll(async () => (await keyBudget(key)) ?? {}).toEqual({});
    const stored = await gateway.controlPlane!.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect([stored.budgetDailyMicros, stored.budgetWeeklyMicros, stored.budgetMonthlyMicros, stored.rpmLimit, stored.tpmLimit]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    const audit = await gateway.controlPlane!.prisma.auditLog.findMany({ where: { target: `api-key:${id}` }, orderBy: { id: 'asc' } });
    expect(audit.map((entry) => entry.action)).toEqual(['api-key.create', 'api-key.rate-limits', 'api-key.budget', 'api-key.budget']);
  });

  test('usage errors exit 2 before any call, a bad time zone is refused by the control plane', async () => {
    const { id } = await gateway.controlPlane!.prisma.apiKey.findFirstOrThrow({ where: { name: 'dev' } });
    expect((await cli('keys', 'set-budget', id)).stderr).toContain('keys set-budget needs --daily, --weekly or --monthly');
    expect((await cli('keys', 'set-budget', id, '--daily', '1.5')).stderr).toContain('--daily must be a non-negative integer');
    expect((await cli('keys', 'set-rate-limits', id)).status).toBe(2);
    expect((await cli('keys', 'set-rate-limits', id, '--rpm', '0')).stderr).toContain('--rpm must be a positive integer or default');
    expect((await cli('policy', 'set', '--org', 'any', '--org-rpm', 'lots')).stderr).toContain('--org-rpm must be a positive integer or none');
    const zone = await cli('keys', 'set-budget', id, '--daily', '100', '--time-zone', 'Mars/Olympus_Mons');
    expect(zone.status).toBe(1);
    expect(zone.stderr).toContain('IANA time zone');
    expect((await gateway.controlPlane!.prisma.apiKey.findUniqueOrThrow({ where: { id } })).budgetDailyMicros).toBeNull();
  });
});
