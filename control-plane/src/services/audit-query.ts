// The audit log as org admins read it (audit.read): one org, optional time range, actor and action,
// newest first, in pages. The cursor is the last row's id: ids grow with every insert, so "older than
// the cursor" is stable while new rows arrive.
import { z } from 'zod';
import type { AuditLog } from '../../generated/prisma/client.ts';
import { belowCursor, pageById, type IdPage } from './id-pages.ts';
import { parseInput } from './input-schemas.ts';
import { authorizeOrgAction } from './org-access.ts';
import type { ServiceContext } from './service-context.ts';

export const listAuditLogInputSchema = z.object({
  orgId: z.string(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  /** As written in audit_log.actor, e.g. `user:<id>`. */
  actor: z.string().optional(),
  action: z.string().optional(),
  /** nextCursor of the previous page. */
  cursor: z.string().regex(/^\d+$/).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

export interface AuditLogView {
  id: string;
  actor: string;
  action: string;
  target: string;
  at: Date;
  details: unknown;
}

export type AuditLogPage = IdPage<AuditLogView>;

export async function listAuditLog(context: ServiceContext, rawInput: z.input<typeof listAuditLogInputSchema>): Promise<AuditLogPage> {
  const input = parseInput(listAuditLogInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'audit.read');
  return pageById(
    input.limit,
    (take) =>
      context.prisma.auditLog.findMany({
        where: { orgId: input.orgId, at: { gte: input.since, lt: input.until }, actor: input.actor, action: input.action, id: belowCursor(input.cursor) },
        orderBy: { id: 'desc' },
        take,
      }),
    toAuditLogView,
  );
}

function toAuditLogView(row: AuditLog): AuditLogView {
  return { id: String(row.id), actor: row.actor, action: row.action, target: row.target, at: row.at, details: row.details };
}
