// Issue 17, invitations and password links: a link works once and only while it lives. Replaying an
// accepted invitation, using an expired or revoked one, and using a reset link twice are each refused and
// change nothing; two racing uses of one link let exactly one through; an invitation's answer does not
// tell the inviter whether the email has an account on the platform.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { useControlPlaneOnPglite } from '../support/control-plane-on-pglite.ts';
import { beforeAll, describe, expect, test } from 'vitest';
import { type ControlPlane } from '../../control-plane/src/app.ts';
import type { AppRouter } from '../../control-plane/src/trpc/routers/_app.ts';
import { createUserWithPassword, postLogin } from '../support/sign-in.ts';

const PASSWORD = 'invitee password 0123';

function trpc(controlPlane: ControlPlane, bearer?: string) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${controlPlane.url}/trpc`, headers: bearer ? { authorization: `Bearer ${bearer}` } : {} })],
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'allowed',
    (error: unknown) => (error instanceof TRPCClientError ? `${String((error.data as { code?: string }).code)}: ${error.message}` : String(error)),
  );
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!;

describe('one-time links', () => {
  const controlPlane = useControlPlaneOnPglite();
  let orgId: string;

  beforeAll(async () => {
    orgId = (await trpc(controlPlane, controlPlane.adminToken).organizations.create.mutate({ name: 'Links' })).id;
  });

  const invite = (email: string, role: 'member' | 'admin' = 'member') =>
    trpc(controlPlane, controlPlane.adminToken).members.invite.mutate({ orgId, email, role });

  test('a replayed invitation link is refused and changes nothing', async () => {
    const { link } = await invite('replay@example.com');
    const first = await trpc(controlPlane).invitations.accept.mutate({ token: tokenOf(link), password: PASSWORD });
    expect(first).toMatchObject({ email: 'replay@example.com', orgId, role: 'member', accountCreated: true });
    // The replay tries to take the account over with another password.
    expect(await refusal(trpc(controlPlane).invitations.accept.mutate({ token: tokenOf(link), password: 'attacker password 0123' }))).toBe(
      'UNAUTHORIZED: this invitation link is invalid, already used, revoked or expired',
    );
    expect((await postLogin(controlPlane.url, { email: 'replay@example.com', password: PASSWORD })).status).toBe(200);
    expect((await postLogin(controlPlane.url, { email: 'replay@example.com', password: 'attacker password 0123' })).status).toBe(401);
  });

  test('an expired or revoked invitation link is refused; nobody joins', async () => {
    const expired = await invite('late@example.com');
    await controlPlane.prisma.invitation.update({ where: { id: expired.invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const revoked = await invite('revoked@example.com');
    await trpc(controlPlane, controlPlane.adminToken).members.revokeInvitation.mutate({ id: revoked.invitation.id });
    for (const link of [expired.link, revoked.link]) {
      expect(await refusal(trpc(controlPlane).invitations.accept.mutate({ token: tokenOf(link), password: PASSWORD }))).toMatch(/^UNAUTHORIZED: /);
      expect(await refusal(trpc(controlPlane).invitations.describe.query({ token: tokenOf(link) }))).toMatch(/^UNAUTHORIZED: /);
    }
    expect(await controlPlane.prisma.user.count({ where: { email: { in: ['late@example.com', 'revoked@example.com'] } } })).toBe(0);
  });

  test('two racing uses of one invitation: exactly one gets through', async () => {
    const { link } = await invite('race@example.com');
    const outcomes = await Promise.all(
      [0, 1, 2].map((attempt) => refusal(trpc(controlPlane).invitations.accept.mutate({ token: tokenOf(link), password: `${PASSWORD} ${attempt}` }))),
    );
    expect(outcomes.filter((outcome) => outcome === 'allowed')).toHaveLength(1);
    expect(await controlPlane.prisma.membership.count({ where: { orgId, user: { email: 'race@example.com' } } })).toBe(1);
  });

  test('an existing account joins only with its own password; a wrong one leaves the link unspent', async () => {
    await createUserWithPassword(controlPlane.prisma, 'existing@example.com', 'existing password 0123');
    const { link } = await invite('existing@example.com', 'admin');
    expect(await refusal(trpc(controlPlane).invitations.accept.mutate({ token: tokenOf(link), password: 'a new password 0123' }))).toBe(
      'UNAUTHORIZED: the password is wrong',
    );
    const joined = await trpc(controlPlane).invitations.accept.mutate({ token: tokenOf(link), password: 'existing password 0123' });
    expect(joined).toMatchObject({ role: 'admin', accountCreated: false });
  });

  test("an invitation's answer is the same whether or not the email has an account", async () => {
    await createUserWithPassword(controlPlane.prisma, 'known@example.com', 'known password 0123');
    const shape = (sent: Awaited<ReturnType<typeof invite>>) => ({
      ...sent,
      link: sent.link.replace(/token=[^&]+/, 'token=…'),
      invitation: { ...sent.invitation, id: '…', email: '…', createdAt: '…', expiresAt: '…' },
    });
    expect(shape(await invite('known@example.com'))).toEqual(shape(await invite('unknown@example.com')));
  });

  test('a password link used twice is refused the second time; the first password stands', async () => {
    const user = await controlPlane.prisma.user.create({ data: { email: 'twice@example.com' } });
    const { link } = await trpc(controlPlane, controlPlane.adminToken).users.issuePasswordReset.mutate({ userId: user.id });
    expect(await trpc(controlPlane).auth.resetPassword.mutate({ token: tokenOf(link), password: 'first password 0123' })).toEqual({
      email: 'twice@example.com',
      sessionsEnded: 0,
    });
    expect(await refusal(trpc(controlPlane).auth.resetPassword.mutate({ token: tokenOf(link), password: 'second password 0123' }))).toBe(
      'UNAUTHORIZED: this password link is invalid, already used or expired',
    );
    expect((await postLogin(controlPlane.url, { email: 'twice@example.com', password: 'first password 0123' })).status).toBe(200);
    expect((await postLogin(controlPlane.url, { email: 'twice@example.com', password: 'second password 0123' })).status).toBe(401);
  });

  test('a new password link voids the older one, and an expired one is refused', async () => {
    const user = await controlPlane.prisma.user.create({ data: { email: 'newer@example.com' } });
    const admin = trpc(controlPlane, controlPlane.adminToken);
    const older = await admin.users.issuePasswordReset.mutate({ userId: user.id });
    const newer = await admin.users.issuePasswordReset.mutate({ userId: user.id });
    expect(await refusal(trpc(controlPlane).auth.resetPassword.mutate({ token: tokenOf(older.link), password: 'older password 0123' }))).toMatch(
      /^UNAUTHORIZED/,
    );
    await controlPlane.prisma.passwordReset.updateMany({ where: { userId: user.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await refusal(trpc(controlPlane).auth.resetPassword.mutate({ token: tokenOf(newer.link), password: 'newer password 0123' }))).toMatch(
      /^UNAUTHORIZED/,
    );
    expect((await controlPlane.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBeNull();
  });
});
