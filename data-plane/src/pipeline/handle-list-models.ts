// GET /models in OpenAI's list shape. Without a key: every model in the catalog. With a key: the
// models the key's organization may use (the same matcher as check-policy). A bad key is a 401.
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotView } from '../snapshot/snapshot-view.ts';
import { authenticateKey, bearerToken } from './authenticate-key.ts';
import { isModelAllowed } from './check-policy.ts';

export interface ModelListEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

export function listModels(snapshot: SnapshotView | null, authorization: string, nowMs: number): { object: 'list'; data: ModelListEntry[] } {
  if (snapshot === null) throw new GatewayError('no_provider_available', 'The gateway has not received its configuration yet.');
  const allowed = bearerToken(authorization) === null ? null : authenticateKey(snapshot, authorization, nowMs).org.allowedModels;
  const data: ModelListEntry[] = [];
  for (const model of snapshot.modelList) {
    if (!isModelAllowed(allowed, model.id)) continue;
    const slash = model.id.indexOf('/');
    data.push({ id: model.id, object: 'model', created: model.created, owned_by: slash > 0 ? model.id.slice(0, slash) : 'gateway' });
  }
  return { object: 'list', data };
}
