import { listAuditLog, listAuditLogInputSchema } from '../../services/audit-query.ts';
import { adminProcedure, router } from '../init.ts';

export const auditRouter = router({
  list: adminProcedure.input(listAuditLogInputSchema).query(({ ctx, input }) => listAuditLog(ctx.service, input)),
});
