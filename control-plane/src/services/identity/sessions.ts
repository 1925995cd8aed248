// Server-side browser sessions. The cookie carries a random secret; the database keeps only its SHA-256,
// so a database read does not yield a usable cookie. A session lasts at most SESSION_LIFETIME_MS and ends
// sooner when unused for SESSION_IDLE_MS; revoking one (or all: "sign out everywhere") ends it at once.
// Every sign-in creates a new session and never adopts an id the browser brought (session fixation).
//
// CSRF: the token is derived from the session secret (SHA-256 of "csrf:" + secret), so it needs no
// storage, is different for every session and cannot be computed without the HttpOnly cookie. Sign-in
// and GET /auth/session hand it to the page, which sends it as X-CSRF-Token on every request that is not
// GET or HEAD (authenticate.ts refuses a cookie-authorized one without it).
import { createHash, timingSafeEqual } from 'node:crypto';
import { generateSecret, hashSecret } from '../../../../shared/src/crypto.ts';
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { PrismaClient, Session } from '../../../generated/prisma/client.ts';
import { recordAudit } from '../audit.ts';
import { authorizePlatformAction } from '../org-access.ts';
import type { ServiceContext } from '../service-context.ts';

export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60_000;
export const SESSION_IDLE_MS = 24 * 60 * 60_000;
/** lastSeenAt is written at most this often, so reads do not each cost a write. */
const TOUCH_EVERY_MS = 5 * 60_000;
const SESSION_SECRET_PREFIX = 'gws_';
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionView {
  id: string;
  userAgent: string | null;
  client: string | null;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** The session the request came with. */
  current: boolean;
}

export function csrfTokenFor(secret: string): string {
  return createHash('sha256').update(`csrf:${secret}`).digest('base64url');
}

export function csrfTokenMatches(secret: string, presented: string | null): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(secret));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export async function createSession(
  prisma: PrismaClient,
  input: { user: { id: string; isPlatformAdmin: boolean }; userAgent: string | null; client: string | null; via: string },
): Promise<{ session: Session; secret: string; csrfToken: string }> {
  const secret = generateSecret(SESSION_SECRET_PREFIX);
  const now = new Date();
  const session = await prisma.$transaction(async (transaction) => {
    const row = await transaction.session.create({
      data: {
        userId: input.user.id,
        secretHash: hashSecret(secret),
        userAgent: input.userAgent?.slice(0, 300) ?? null,
        client: input.client,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
      },
    });
    const actor = {
      kind: 'user',
      userId: input.user.id,
      isPlatformAdmin: input.user.isPlatformAdmin,
      credential: { kind: 'session', sessionId: row.id },
    } as const;
    await recordAudit(transaction, actor, {
      action: 'auth.sign-in',
      target: `user:${input.user.id}`,
      details: { sessionId: row.id, via: input.via, client: input.client },
    });
    return row;
  });
  return { session, secret, csrfToken: csrfTokenFor(secret) };
}

/** The live session the cookie secret names, or null (unknown, revoked, expired or idle too long). */
export async function findLiveSession(
  prisma: PrismaClient,
  secret: string | null,
  now = new Date(),
): Promise<(Session & { user: { isPlatformAdmin: boolean } }) | null> {
  if (!secret) return null;
  const session = await prisma.session.findUnique({ where: { secretHash: hashSecret(secret) }, include: { user: { select: { isPlatformAdmin: true } } } });
  if (!session || session.revokedAt || session.expiresAt <= now || now.getTime() - session.lastSeenAt.getTime() > SESSION_IDLE_MS) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    await prisma.session.update({ where: { id: session.id }, data: { lastSeenAt: now } });
  }
  return session;
}

/** Signing out: ends the session the cookie names (nothing when it is already gone). */
export async function endSession(prisma: PrismaClient, secret: string): Promise<void> {
  await prisma.session.updateMany({ where: { secretHash: hashSecret(secret), revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Ends every session of a user, e.g. after a password reset. Returns how many were live. */
export async function endAllSessions(prisma: Pick<PrismaClient, 'session'>, userId: string): Promise<number> {
  const { count } = await prisma.session.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}

function actingUser(context: ServiceContext): { userId: string; sessionId: string | null } {
  authorizePlatformAction(context, 'session.manageOwn');
  if (context.actor.kind !== 'user') throw new GatewayError('forbidden', 'sessions belong to users');
  return { userId: context.actor.userId, sessionId: context.actor.credential.kind === 'session' ? context.actor.credential.sessionId : null };
}

export async function listSessions(context: ServiceContext): Promise<SessionView[]> {
  const { userId, sessionId } = actingUser(context);
  const now = new Date();
  const rows = await context.prisma.session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: now }, lastSeenAt: { gt: new Date(now.getTime() - SESSION_IDLE_MS) } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  return rows.map((row) => ({ ...toView(row), current: row.id === sessionId }));
}

/** Ends one of the caller's sessions; someone else's answers like a missing one. */
export async function revokeSession(context: ServiceContext, input: { id: string }): Promise<SessionView> {
  const { userId, sessionId } = actingUser(context);
  const existing = await context.prisma.session.findUnique({ where: { id: input.id } });
  if (!existing || existing.userId !== userId) throw new GatewayError('not_found', `session ${input.id} not found`, { param: 'id' });
  const row = await context.prisma.$transaction(async (transaction) => {
    const updated = existing.revokedAt ? existing : await transaction.session.update({ where: { id: input.id }, data: { revokedAt: new Date() } });
    await recordAudit(transaction, context.actor, { action: 'session.revoke', target: `session:${input.id}` });
    return updated;
  });
  return { ...toView(row), current: row.id === sessionId };
}

/** "Sign out everywhere": every session of the caller, the current one included. */
export async function revokeAllSessions(context: ServiceContext): Promise<{ revoked: number }> {
  const { userId } = actingUser(context);
  return context.prisma.$transaction(async (transaction) => {
    const revoked = await endAllSessions(transaction, userId);
    await recordAudit(transaction, context.actor, { action: 'session.revoke-all', target: `user:${userId}`, details: { revoked } });
    return { revoked };
  });
}

function toView(row: Session): Omit<SessionView, 'current'> {
  return { id: row.id, userAgent: row.userAgent, client: row.client, createdAt: row.createdAt, lastSeenAt: row.lastSeenAt, expiresAt: row.expiresAt };
}
