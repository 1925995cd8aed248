import { router } from '../init.ts';
import { apiKeysRouter } from './api-keys.ts';
import { catalogRouter } from './catalog.ts';
import { dataPlaneRouter } from './data-plane.ts';
import { modelsRouter } from './models.ts';
import { organizationsRouter } from './organizations.ts';

export const appRouter = router({
  organizations: organizationsRouter,
  apiKeys: apiKeysRouter,
  models: modelsRouter,
  catalog: catalogRouter,
  dataPlane: dataPlaneRouter,
});

export type AppRouter = typeof appRouter;
