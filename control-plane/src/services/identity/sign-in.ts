// Email + password sign-in. Every refusal reads the same ("email or password is wrong") whether the email
// has no account, has no password or got the password wrong, and takes the same time (verifyPassword);
// a lock answers the same way for any email. Success clears the email's failures and opens a session.
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { PrismaClient, Session } from '../../../generated/prisma/client.ts';
import { clearLoginFailures, lockedUntil, normalizeEmail, recordLoginFailure } from './login-throttle.ts';
import { verifyPassword } from './passwords.ts';
import { createSession } from './sessions.ts';
import { passwordSignInBlockedBySso } from './sso.ts';

export interface SignInResult {
  user: { id: string; email: string; name: string | null; isPlatformAdmin: boolean };
  session: Session;
  /** The cookie value; never shown in a body. */
  secret: string;
  csrfToken: string;
}

export interface SignInRequest {
  email: string;
  password: string;
  /** The caller's address (see client-address.ts), which the lockout and the rate limit key on. */
  client: string;
  userAgent: string | null;
}

/**
 * Attempts per client address per minute, across all emails: bounds password spraying from one address.
 * In memory (per control-plane process) because it only has to slow one address down, which each replica
 * does on its own; the per-account lockout, which must hold across replicas, is in the database.
 */
export function createSignInRateLimit(pointsPerMinute = 30): RateLimiterMemory {
  return new RateLimiterMemory({ points: pointsPerMinute, duration: 60 });
}

function retryAfter(ms: number): GatewayError {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new GatewayError('rate_limited', `too many sign-in attempts; try again in ${seconds} s`, { headers: { 'retry-after': String(seconds) } });
}

/** One attempt of `client` at anything that checks a password or sends mail (sign-in, accepting an invitation, asking for a reset link). */
export async function consumeSignInAttempt(rateLimit: RateLimiterMemory, client: string): Promise<void> {
  try {
    await rateLimit.consume(client);
  } catch (error) {
    if (error instanceof RateLimiterRes) throw retryAfter(error.msBeforeNext);
    throw error;
  }
}

export async function signInWithPassword(prisma: PrismaClient, rateLimit: RateLimiterMemory, request: SignInRequest): Promise<SignInResult> {
  await consumeSignInAttempt(rateLimit, request.client);
  const email = normalizeEmail(request.email);
  const locked = await lockedUntil(prisma, email, request.client);
  if (locked) throw retryAfter(locked.getTime() - Date.now());
  const user = await prisma.user.findFirst({ where: { email: { equals: email, mode: 'insensitive' } } });
  if (!(await verifyPassword(user?.passwordHash ?? null, request.password)) || !user) {
    await recordLoginFailure(prisma, email, request.client);
    throw new GatewayError('invalid_credentials', 'email or password is wrong');
  }
  await clearLoginFailures(prisma, email);
  // Told only to whoever knows the password, so it reveals nothing to a guesser.
  if (await passwordSignInBlockedBySso(prisma, user)) {
    throw new GatewayError('forbidden', 'your organization requires single sign-on: sign in through its identity provider');
  }
  const opened = await createSession(prisma, { user, userAgent: request.userAgent, client: request.client, via: 'password' });
  return { user: { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin }, ...opened };
}
