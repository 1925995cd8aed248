import { GatewayError } from '../../../shared/src/errors.ts';
import type { Organization, Prisma } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { authorizePlatformAction } from './org-access.ts';
import { describeActor, type ServiceContext } from './service-context.ts';

/** ORG_CREATION: who may create organizations; platform admins always may. */
export const orgCreationModes = ['platform-admins', 'everyone'] as const;
export type OrgCreation = (typeof orgCreationModes)[number];

/**
 * Organizations one user who is not a platform admin may create per hour (issue 13, defect 8: 400 in one
 * tRPC batch, and 1,779 grew every data plane's snapshot from 355 KB to 1 MB).
 */
export const ORG_CREATIONS_PER_USER_PER_HOUR = 5;
const HOUR_MS = 60 * 60 * 1000;

/** Creates an organization; a user who creates one becomes its owner. */
export async function createOrganization(context: ServiceContext, input: { name: string }): Promise<Organization> {
  authorizePlatformAction(context, 'organization.create');
  const { actor } = context;
  const limited = actor.kind === 'user' && !actor.isPlatformAdmin;
  if (limited && (context.orgCreation ?? 'platform-admins') !== 'everyone') {
    throw new GatewayError('forbidden', 'only a platform admin may create organizations on this gateway (ORG_CREATION=platform-admins)');
  }
  const organization = await context.prisma.$transaction(async (transaction) => {
    if (limited) await limitOrgCreations(transaction, describeActor(actor));
    const created = await transaction.organization.create({ data: { name: input.name } });
    if (actor.kind === 'user') {
      await transaction.membership.create({ data: { orgId: created.id, userId: actor.userId, role: 'owner' } });
    }
    await recordAudit(transaction, actor, { action: 'organization.create', target: `org:${created.id}`, orgId: created.id, details: { name: input.name } });
    return created;
  });
  context.snapshotChanged({ orgs: [organization.id] });
  return organization;
}

/** The organizations the caller is a member of, oldest first. */
export async function listOrganizations(context: ServiceContext): Promise<Organization[]> {
  authorizePlatformAction(context, 'organization.list');
  const { actor } = context;
  if (actor.kind !== 'user') return [];
  return context.prisma.organization.findMany({ where: { memberships: { some: { userId: actor.userId } } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/**
 * Refuses a user's creation past the hourly limit, counted from the audit log so it holds across
 * control-plane replicas; a per-user transaction lock makes a batch of concurrent calls count one by one.
 */
async function limitOrgCreations(transaction: Prisma.TransactionClient, actor: string): Promise<void> {
  await transaction.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`organization.create:${actor}`}))`;
  const since = new Date(Date.now() - HOUR_MS);
  const recent = await transaction.auditLog.findMany({
    where: { action: 'organization.create', actor, at: { gte: since } },
    orderBy: { at: 'asc' },
    select: { at: true },
    take: ORG_CREATIONS_PER_USER_PER_HOUR,
  });
  if (recent.length < ORG_CREATIONS_PER_USER_PER_HOUR) return;
  const seconds = Math.max(1, Math.ceil((recent[0]!.at.getTime() + HOUR_MS - Date.now()) / 1000));
  throw new GatewayError('rate_limited', `at most ${ORG_CREATIONS_PER_USER_PER_HOUR} organizations per hour; try again in ${seconds} s`, {
    headers: { 'retry-after': String(seconds) },
  });
}
