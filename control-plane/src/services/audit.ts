// One audit row per mutation, written inside the mutation's own transaction so neither exists without the other.
import type { Prisma } from '../../generated/prisma/client.ts';
import { describeActor, type Actor } from './service-context.ts';

export interface AuditEntry {
  action: string;
  /** `<kind>:<id>`, e.g. `api-key:…`, `org:…`. */
  target: string;
  /** The organization concerned, so org admins can query it (audit.read); omitted for platform actions. */
  orgId?: string;
  details?: Prisma.InputJsonObject;
}

export async function recordAudit(transaction: Prisma.TransactionClient, actor: Actor, entry: AuditEntry): Promise<void> {
  await transaction.auditLog.create({
    data: { actor: describeActor(actor), action: entry.action, target: entry.target, orgId: entry.orgId ?? null, details: entry.details ?? {} },
  });
}
