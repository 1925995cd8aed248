// The admin CLI against a real, listening control plane: once as `npm run admin` in a child process
// (token from the data folder's file), then in-process for the other commands.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.ts';
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
      });
      return { status, stdout, stderr };
    };
  });
  afterAll(async () => {
    await controlPlane?.close();
    await database?.drop();
  });

  test('orgs create through the npm script, with the token read from the data folder', async () => {
    const { stdout } = await execFileAsync('npm', ['run', '--silent', 'admin', '--', 'orgs', 'create', 'Scripted', '--token-file', join(database.dataDir, 'admin-token')], {
      env: { ...process.env, CONTROL_PLANE_URL: controlPlane.url, ADMIN_TOKEN: '' },
    });
    const org = JSON.parse(stdout) as { id: string; name: string };
    expect(org.name).toBe('Scripted');
    expect(await controlPlane.prisma.organization.findUnique({ where: { id: org.id } })).toMatchObject({ name: 'Scripted' });
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

    await controlPlane.prisma.user.create({ data: { email: 'cli-member@example.com' } });
    const member = JSON.parse((await cli('members', 'add', '--org', org.id, '--email', 'cli-member@example.com', '--role', 'member')).stdout) as { userId: string };
    expect(JSON.parse((await cli('members', 'set-role', '--org', org.id, '--user', member.userId, '--role', 'billing')).stdout)).toMatchObject({ role: 'billing' });

    const policy = await cli('policy', 'set', '--org', org.id, '--models', 'openai/*', '--deny-providers', 'anthropic', '--daily-limit', '2500000');
    expect(JSON.parse(policy.stdout)).toEqual({ orgId: org.id, allowedModels: ['openai/*'], allowedProviders: null, deniedProviders: ['anthropic'], dailyLimitMicros: 2_500_000 });
    await cli('policy', 'set', '--org', org.id, '--models', 'all', '--daily-limit', 'none');
    expect(JSON.parse((await cli('policy', 'show', '--org', org.id)).stdout)).toMatchObject({ allowedModels: null, deniedProviders: ['anthropic'], dailyLimitMicros: null });

    const audit = JSON.parse((await cli('audit', 'list', '--org', org.id, '--limit', '3')).stdout) as { entries: { action: string }[]; nextCursor: string | null };
    expect(audit.entries.map((entry) => entry.action)).toEqual(['policy.update', 'policy.update', 'member.set-role']);
    expect(audit.nextCursor).not.toBeNull();
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
