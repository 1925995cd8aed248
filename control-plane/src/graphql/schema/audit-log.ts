import { listAuditLog, type AuditLogPage, type AuditLogView } from '../../services/audit-query.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

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

actorField('query', 'auditLog', {
  type: AuditLogPageType,
  description: "The org's audit log, newest first.",
  args: builder.args((t) => ({
    orgId: t.id({ required: true }),
    since: t.field({ type: 'DateTime', required: false }),
    until: t.field({ type: 'DateTime', required: false }),
    actor: t.string({ required: false }),
    action: t.string({ required: false }),
    cursor: t.string({ required: false }),
    limit: t.int({ required: false }),
  })),
  call: listAuditLog,
});
