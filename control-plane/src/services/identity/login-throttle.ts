// Failed password sign-ins slow down and then lock, per email AND client address: five failures in a row
// from one address lock that address out of that account for 30 s, doubling with each further failure up
// to 15 minutes. Keeping the lock to the failing address is what stops an attacker from locking a victim
// out: the victim's own address has its own count. A successful sign-in or a password reset clears the
// email's counts. Failures older than an hour are forgotten. Rows exist for unknown emails too, so a lock
// says nothing about whether an account exists. The per-address rate across all emails is in
// sign-in-rate-limit.ts.
import type { PrismaClient } from '../../../generated/prisma/client.ts';

export const LOCK_AFTER_FAILURES = 5;
const FIRST_LOCK_MS = 30_000;
const LONGEST_LOCK_MS = 15 * 60_000;
const FORGET_AFTER_MS = 60 * 60_000;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** When the (email, client) pair may try again, or null when it may try now. */
export async function lockedUntil(prisma: PrismaClient, email: string, client: string, now = new Date()): Promise<Date | null> {
  const row = await prisma.loginFailure.findUnique({ where: { email_client: { email: normalizeEmail(email), client } } });
  return row?.lockedUntil && row.lockedUntil > now ? row.lockedUntil : null;
}

export async function recordLoginFailure(prisma: PrismaClient, email: string, client: string, now = new Date()): Promise<void> {
  const key = { email: normalizeEmail(email), client };
  await prisma.$transaction(async (transaction) => {
    const row = await transaction.loginFailure.findUnique({ where: { email_client: key } });
    const failures = row && now.getTime() - row.lastFailureAt.getTime() < FORGET_AFTER_MS ? row.failures + 1 : 1;
    const lockMs = failures < LOCK_AFTER_FAILURES ? 0 : Math.min(FIRST_LOCK_MS * 2 ** (failures - LOCK_AFTER_FAILURES), LONGEST_LOCK_MS);
    const data = { failures, lastFailureAt: now, lockedUntil: lockMs > 0 ? new Date(now.getTime() + lockMs) : null };
    await transaction.loginFailure.upsert({ where: { email_client: key }, create: { ...key, ...data }, update: data });
  });
}

/** After a successful sign-in or a password reset: every address starts afresh for this email. */
export async function clearLoginFailures(prisma: PrismaClient, email: string): Promise<void> {
  await prisma.loginFailure.deleteMany({ where: { email: normalizeEmail(email) } });
}
