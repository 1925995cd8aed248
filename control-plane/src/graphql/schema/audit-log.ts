import { listAuditLog, type AuditLogPage, type AuditLogView } from '../../services/audit-query.ts';
import { builder } from '../builder.ts';
import { requireAdmin } from '../graphql-context.ts';

const AuditEntryType = builder.objectRef<AuditLogView>('AuditEntry').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    actor: t.exposeString('actor', { description: '`user:<id>`, `data-plane:<id>` or `system:<name>`.' }),
    action: t.exposeString('action'),
    target: t.exposeString('target'),
    at: t.expose('at', { type: 'DateTime' }),
    details: t.expose('details', { type: 'JSON' }),
  }),
});

const AuditLogPageType = builder.objectRef<AuditLogPage>('AuditLogPage').implement({
  fields: (t) => ({
    entries: t.field({ type: [AuditEntryType], resolve: (page) => page.entries }),
    nextCursor: t.exposeString('nextCursor', { nullable: true }),
  }),
});

builder.queryField('auditLog', (t) =>
  t.field({
    type: AuditLogPageType,
    description: "The org's audit log, newest first.",
    args: {
      orgId: t.arg.id({ required: true }),
      since: t.arg({ type: 'DateTime', required: false }),
      until: t.arg({ type: 'DateTime', required: false }),
      actor: t.arg.string({ required: false }),
      action: t.arg.string({ required: false }),
      cursor: t.arg.string({ required: false }),
      limit: t.arg.int({ required: false }),
    },
    resolve: (_root, args, context) =>
      listAuditLog(requireAdmin(context), {
        orgId: String(args.orgId),
        since: args.since ?? undefined,
        until: args.until ?? undefined,
        actor: args.actor ?? undefined,
        action: args.action ?? undefined,
        cursor: args.cursor ?? undefined,
        limit: args.limit ?? undefined,
      }),
  }),
);
