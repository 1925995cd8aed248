import { router } from '../init.ts';
import { accountRouter } from './account.ts';
import { adminTokensRouter } from './admin-tokens.ts';
import { alertsRouter } from './alerts.ts';
import { apiKeysRouter } from './api-keys.ts';
import { auditRouter } from './audit.ts';
import { authRouter } from './auth.ts';
import { billingRouter } from './billing.ts';
import { byokRouter } from './byok.ts';
import { catalogRouter } from './catalog.ts';
import { dataPlaneRouter } from './data-plane.ts';
import { invitationsRouter } from './invitations.ts';
import { membersRouter } from './members.ts';
import { modelsRouter } from './models.ts';
import { organizationsRouter } from './organizations.ts';
import { policiesRouter } from './policies.ts';
import { requestsRouter } from './requests.ts';
import { sessionsRouter } from './sessions.ts';
import { ssoRouter } from './sso.ts';
import { usersRouter } from './users.ts';

export const appRouter = router({
  organizations: organizationsRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  users: usersRouter,
  apiKeys: apiKeysRouter,
  byok: byokRouter,
  policies: policiesRouter,
  alerts: alertsRouter,
  audit: auditRouter,
  billing: billingRouter,
  requests: requestsRouter,
  adminTokens: adminTokensRouter,
  auth: authRouter,
  account: accountRouter,
  sessions: sessionsRouter,
  sso: ssoRouter,
  models: modelsRouter,
  catalog: catalogRouter,
  dataPlane: dataPlaneRouter,
});

export type AppRouter = typeof appRouter;
