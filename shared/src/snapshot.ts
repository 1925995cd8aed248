// The snapshot: everything a data plane needs to decide a request, compiled by the control plane.
// Sections are maps keyed by a stable id so a change travels as a small delta (upserts + removals).
import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';
import { isRecord, type JsonObject } from './json-object.ts';
import { microdollars, nanodollarsPerToken } from './money.ts';
import { StateHash } from './state-hash.ts';

// Money travels as plain JSON integers; parsing a snapshot gives each amount its unit (money.ts), so no
// reader casts a number into a price or a limit.
const limitMicros = z.number().int().nonnegative().transform(microdollars);
const pricePerToken = z.number().int().nonnegative().transform(nanodollarsPerToken);
const perMinute = z.number().int().positive();

export const snapshotApiKeySchema = z.object({
  id: z.string(),
  orgId: z.string(),
  userId: z.string(),
  name: z.string(),
  /** ISO time after which the key is refused; null = never. */
  expiresAt: z.string().nullable(),
  /** Key scopes, narrowing the org policy: model ids or `provider/*`, provider slugs; null = unrestricted. */
  scopes: z.object({ models: z.array(z.string()).nullable(), providers: z.array(z.string()).nullable() }),
  /**
   * Spending caps on this key per day, week (from Monday) and month in `timeZone` (IANA, reset at local
   * midnight); null = no cap for that window. Absent = no budget (keeps keys without one as they were).
   */
  budget: z
    .object({ timeZone: z.string(), dailyMicros: limitMicros.nullable(), weeklyMicros: limitMicros.nullable(), monthlyMicros: limitMicros.nullable() })
    .optional(),
  /** Requests and tokens per minute for this key, overriding the org's per-key defaults; null = the default. Absent = none set. */
  rateLimits: z.object({ rpm: perMinute.nullable(), tpm: perMinute.nullable() }).optional(),
});

export const snapshotOrgSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Model allow list (exact ids or `provider/*`); null = every model. */
  allowedModels: z.array(z.string()).nullable(),
  /** Provider slugs the org may use; null = every provider. */
  allowedProviders: z.array(z.string()).nullable(),
  /** Provider slugs the org may never use (wins over allowedProviders). */
  deniedProviders: z.array(z.string()),
  /** Default per-user daily spending limit in microdollars; null = none. */
  dailyLimitMicros: limitMicros.nullable(),
  /** Per-user overrides of dailyLimitMicros, keyed by user id. */
  userDailyLimitMicros: z.record(z.string(), limitMicros),
  /**
   * Requests and tokens per minute for the whole org (rpm, tpm) and for each of its keys unless a key
   * overrides them (keyRpm, keyTpm); null = no limit. Absent = none set.
   */
  rateLimits: z.object({ rpm: perMinute.nullable(), tpm: perMinute.nullable(), keyRpm: perMinute.nullable(), keyTpm: perMinute.nullable() }).optional(),
  // Credits and spend are not config: they travel as spend floors (spend-floors.ts), not in the snapshot.
});

export const snapshotProviderSchema = z.object({
  id: z.string(),
  /** The provider slug used in model ids, e.g. `openai`. */
  slug: z.string(),
  kind: z.enum(['openai-compatible', 'anthropic', 'mistral', 'gemini']),
  baseUrl: z.string(),
  /**
   * Name of the data plane's environment variable holding the platform key for this provider.
   * Platform keys never travel in the snapshot; null = the upstream needs no key (e.g. a simulator).
   */
  apiKeyEnv: z.string().nullable(),
});

export const snapshotPricesSchema = z.object({
  /** Nanodollars per token (see shared/src/money.ts). */
  prompt: pricePerToken,
  completion: pricePerToken,
  cacheRead: pricePerToken.nullable(),
  cacheWrite: pricePerToken.nullable(),
  /** Long-context tiers (see money.ts PriceTiers); absent = flat prices. */
  tiers: z
    .partialRecord(
      z.enum(['prompt', 'completion', 'cacheRead', 'cacheWrite']),
      z.array(z.object({ start: z.number().int().nonnegative(), price: pricePerToken })),
    )
    .optional(),
});

export const snapshotEndpointSchema = z.object({
  providerId: z.string(),
  /** The model name the upstream expects, e.g. `gpt-4o-mini`. */
  upstreamModel: z.string(),
  prices: snapshotPricesSchema,
  /** The catalog's priority (lower first; the endpoints come in this order). Absent (older snapshots): each endpoint its own level. */
  priority: z.number().int().optional(),
  /** Share of the requests among the model's endpoints of equal priority (default 1; 0 = only after the others). */
  weight: z.number().int().nonnegative().optional(),
});

export const snapshotModelSchema = z.object({
  /** Public id, `provider/model`. */
  id: z.string(),
  name: z.string(),
  /** Other ids that name this model (OpenRouter's, the provider's dated and -latest names, an admin's). */
  aliases: z.array(z.string()).default([]),
  /** Unix seconds. */
  created: z.number().int(),
  contextLength: z.number().int().nullable(),
  description: z.string().nullable(),
  maxOutputTokens: z.number().int().nullable(),
  /** e.g. `text`, `image`, `audio`, `pdf`. */
  inputModalities: z.array(z.string()),
  outputModalities: z.array(z.string()),
  /** OpenRouter's `supported_parameters`: the request fields the model honours (e.g. `tools`, `reasoning`). */
  supportedParameters: z.array(z.string()),
  /** In order of preference. */
  endpoints: z.array(snapshotEndpointSchema),
});

/** A provider key an org (or one of its users) brought (BYOK); keyed by credential id. */
export const snapshotByokCredentialSchema = z.object({
  orgId: z.string(),
  /** null = the whole organization's key; else only this user's requests use it, before the org's. */
  userId: z.string().nullable(),
  providerId: z.string(),
  last4: z.string(),
  /**
   * The provider key as a compact JWE to the data planes' encryption key (shared/src/provider-key-jwe.ts);
   * null when the control plane could not decrypt it (e.g. its master key version is gone): requests that
   * need it fail instead of falling back to the platform key.
   */
  jwe: z.string().nullable(),
});

export const snapshotStateSchema = z.object({
  /** Keyed by the SHA-256 hex of the API key secret. */
  apiKeys: z.record(z.string(), snapshotApiKeySchema),
  orgs: z.record(z.string(), snapshotOrgSchema),
  providers: z.record(z.string(), snapshotProviderSchema),
  models: z.record(z.string(), snapshotModelSchema),
  byokCredentials: z.record(z.string(), snapshotByokCredentialSchema),
});

export type SnapshotApiKey = z.infer<typeof snapshotApiKeySchema>;
export type SnapshotOrg = z.infer<typeof snapshotOrgSchema>;
export type SnapshotProvider = z.infer<typeof snapshotProviderSchema>;
export type SnapshotPrices = z.infer<typeof snapshotPricesSchema>;
export type SnapshotEndpoint = z.infer<typeof snapshotEndpointSchema>;
export type SnapshotModel = z.infer<typeof snapshotModelSchema>;
export type SnapshotByokCredential = z.infer<typeof snapshotByokCredentialSchema>;
export type SnapshotState = z.infer<typeof snapshotStateSchema>;
export type SnapshotSection = keyof SnapshotState;

export const snapshotSections = ['apiKeys', 'orgs', 'providers', 'models', 'byokCredentials'] as const satisfies readonly SnapshotSection[];

const sectionChangeSchema = z.object({
  // Only checked to be an object here: each upserted entry is validated against its section's schema
  // when the delta is applied (applySnapshotChanges), in slices, not all in one go with the message.
  upsert: z.custom<JsonObject>(isRecord),
  remove: z.array(z.string()),
});

/** What a signed snapshot message carries (the JWS payload). */
export const snapshotMessageSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('full'),
    version: z.number().int().positive(),
    /** The state's hash (state-hash.ts, an LtHash of its entries): lets a data plane check what it materialised. */
    stateHash: z.string(),
    state: snapshotStateSchema,
    /**
     * A large state is sent in parts (splitSnapshotState), each its own signed message with the same
     * version and stateHash and some of the entries: the receiver puts them together in order and checks
     * the whole against stateHash. Absent: the message holds the whole state.
     */
    part: z
      .object({ index: z.number().int().nonnegative(), count: z.number().int().min(2) })
      .refine((part) => part.index < part.count, 'part index out of range')
      .optional(),
  }),
  z.object({
    kind: z.literal('delta'),
    fromVersion: z.number().int().positive(),
    version: z.number().int().positive(),
    stateHash: z.string(),
    changes: z.partialRecord(z.enum(snapshotSections), sectionChangeSchema),
  }),
]);

export type SnapshotMessage = z.infer<typeof snapshotMessageSchema>;
export type SnapshotDelta = Extract<SnapshotMessage, { kind: 'delta' }>;

/** Each section's entry schema: what a delta's upserted entries are checked against. */
export const sectionItemSchemas = {
  apiKeys: snapshotApiKeySchema,
  orgs: snapshotOrgSchema,
  providers: snapshotProviderSchema,
  models: snapshotModelSchema,
  byokCredentials: snapshotByokCredentialSchema,
} satisfies Record<SnapshotSection, z.ZodType>;

export function emptySnapshotState(): SnapshotState {
  return { apiKeys: {}, orgs: {}, providers: {}, models: {}, byokCredentials: {} };
}

/**
 * The state's entries in states of at most `partEntries` entries each, in section order (one state when
 * it holds no more): a 100k-key snapshot as one message is one 30 MB SSE event, which a data plane must
 * read whole before anything else on its connection, its keep-alive pings included.
 */
export function splitSnapshotState(state: SnapshotState, partEntries: number): SnapshotState[] {
  const parts: SnapshotState[] = [emptySnapshotState()];
  let count = 0;
  for (const section of snapshotSections) {
    const entries = state[section] as Record<string, unknown>;
    for (const id in entries) {
      if (count === partEntries) {
        parts.push(emptySnapshotState());
        count = 0;
      }
      (parts.at(-1)![section] as Record<string, unknown>)[id] = entries[id];
      count += 1;
    }
  }
  return parts;
}

// A 100k-key state takes about a second to validate and hash, which a data plane must not spend in
// one go while it serves requests. The work is therefore written once as steps that yield every
// SLICE_ENTRIES entries: the control plane runs them straight through, a data plane pauses for I/O
// between slices (runInSlices), and both get the same result from the same code.
/** Entries per slice of work that pauses for I/O: a few milliseconds of LtHash entry hashes (state-hash.ts). */
const SLICE_ENTRIES = 200;

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

async function runInSlices<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export interface HashedState {
  /** StateHash's digest (shared/src/state-hash.ts). */
  stateHash: string;
  /** Its lanes, from which a delta's result is hashed in proportion to the delta (updateStateHash). */
  lanes: Uint16Array;
  /** canonicalJson(state), in pieces of about a slice each (what the data plane's snapshot file stores). */
  stateJson: string[];
}

/**
 * The state's hash (one LtHash entry per section entry, shared/src/state-hash.ts), built entry by entry
 * so it can pause. `stateJson` is the state's canonical JSON in pieces of about a slice each (the data
 * plane writes them to its snapshot file as they are, rather than serialising the state again or joining
 * one large string on the event loop).
 */
function* hashStateSteps(state: SnapshotState): Generator<void, HashedState> {
  const hash = new StateHash();
  const stateJson: string[] = [];
  let slice = '{';
  let count = 0;
  for (const [sectionIndex, section] of [...snapshotSections].sort().entries()) {
    slice += `${sectionIndex > 0 ? ',' : ''}${JSON.stringify(section)}:{`;
    const entries = state[section] as Record<string, unknown>;
    let first = true;
    for (const id of Object.keys(entries).sort()) {
      if (entries[id] === undefined) continue;
      const entryJson = canonicalJson(entries[id]);
      hash.add(section, id, entryJson);
      slice += `${first ? '' : ','}${JSON.stringify(id)}:${entryJson}`;
      first = false;
      if (++count % SLICE_ENTRIES === 0) {
        stateJson.push(slice);
        slice = '';
        yield;
      }
    }
    slice += '}';
  }
  stateJson.push(`${slice}}`);
  return { stateHash: hash.digest(), lanes: hash.lanes, stateJson };
}

export function hashSnapshotState(state: SnapshotState): string {
  return runToEnd(hashStateSteps(state)).stateHash;
}

/** hashSnapshotState in one go, with its lanes and the canonical JSON it hashed, in pieces (for a worker thread). */
export function hashSnapshotStateWithJson(state: SnapshotState): HashedState {
  return runToEnd(hashStateSteps(state));
}

/** hashSnapshotStateWithJson, pausing for I/O between slices. */
export function hashSnapshotStateInSlices(state: SnapshotState): Promise<HashedState> {
  return runInSlices(hashStateSteps(state));
}

function* updateStateHashSteps(lanes: Uint16Array, state: SnapshotState, changes: SnapshotDelta['changes']): Generator<void, StateHash> {
  const hash = new StateHash(lanes);
  let count = 0;
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const entries = state[section] as Record<string, unknown>;
    const removed = new Set<string>();
    for (const id of change.remove) {
      if (entries[id] === undefined || removed.has(id)) continue;
      hash.remove(section, id, canonicalJson(entries[id]));
      removed.add(id);
      if (++count >= SLICE_ENTRIES) {
        count = 0;
        yield;
      }
    }
    // for-in, not Object.entries: a 100k-entry delta would allocate 100k pairs for the collector.
    for (const id in change.upsert) {
      const replaced = entries[id] !== undefined && !removed.has(id);
      if (replaced) hash.remove(section, id, canonicalJson(entries[id]));
      hash.add(section, id, canonicalJson(change.upsert[id]));
      count += 1;
      if (count >= SLICE_ENTRIES) {
        count = 0;
        yield;
      }
    }
  }
  return hash;
}

/**
 * The hash of `state` with `changes` applied, from the hash of `state` (its lanes), in proportion to the
 * changes: each removed or replaced entry is taken out and each upserted one put in. `state` is read, not
 * modified; upserted entries are hashed as given (the caller validates them first).
 */
export function updateStateHash(lanes: Uint16Array, state: SnapshotState, changes: SnapshotDelta['changes']): StateHash {
  return runToEnd(updateStateHashSteps(lanes, state, changes));
}

/** The changes that turn `previous` into `next`, section by section (compared by canonical JSON). */
export function diffSnapshotStates(previous: SnapshotState, next: SnapshotState): SnapshotDelta['changes'] {
  const changes: SnapshotDelta['changes'] = {};
  for (const section of snapshotSections) {
    const before = previous[section] as Record<string, unknown>;
    const after = next[section] as Record<string, unknown>;
    const upsert: Record<string, unknown> = {};
    const remove: string[] = [];
    for (const [id, value] of Object.entries(after)) {
      const old = before[id];
      if (old === undefined || canonicalJson(old) !== canonicalJson(value)) upsert[id] = value;
    }
    for (const id of Object.keys(before)) if (!(id in after)) remove.push(id);
    if (remove.length > 0 || Object.keys(upsert).length > 0) changes[section] = { upsert, remove };
  }
  return changes;
}

function* applyChangesSteps(state: SnapshotState, changes: SnapshotDelta['changes']): Generator<void, SnapshotState> {
  const next: SnapshotState = { ...state };
  let count = 0;
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const itemSchema = sectionItemSchemas[section];
    const merged: Record<string, unknown> = { ...state[section] };
    for (const id of change.remove) delete merged[id];
    // A delta is untrusted input until it parses; only the upserted entries need checking.
    for (const [id, value] of Object.entries(change.upsert)) {
      merged[id] = itemSchema.parse(value);
      if (++count % SLICE_ENTRIES === 0) yield;
    }
    (next as Record<SnapshotSection, unknown>)[section] = merged;
  }
  return next;
}

/**
 * A new state with `changes` applied; `state` is not modified, so a request in flight keeps the
 * snapshot it started with. Untouched sections are shared, not copied.
 */
export function applySnapshotChanges(state: SnapshotState, changes: SnapshotDelta['changes']): SnapshotState {
  return runToEnd(applyChangesSteps(state, changes));
}

/** applySnapshotChanges, pausing for I/O between slices. */
export function applySnapshotChangesInSlices(state: SnapshotState, changes: SnapshotDelta['changes']): Promise<SnapshotState> {
  return runInSlices(applyChangesSteps(state, changes));
}

/**
 * Applies changes (removals, then upserts) to `state` itself, in proportion to the changes; returns the
 * sections it changed. For holders of one current state that is replaced entry by entry (the data plane
 * once a delta's hash is checked, the control plane's publisher): a reader that already took an entry
 * keeps it, since entries are replaced, never modified.
 */
export function applyChangesInPlace(state: SnapshotState, changes: SnapshotDelta['changes']): Set<SnapshotSection> {
  const changed = new Set<SnapshotSection>();
  for (const section of snapshotSections) {
    const change = changes[section];
    if (!change) continue;
    const entries = state[section] as Record<string, unknown>;
    for (const id of change.remove) delete entries[id];
    for (const [id, entry] of Object.entries(change.upsert)) entries[id] = entry;
    changed.add(section);
  }
  return changed;
}

/**
 * One delta equal to `deltas` applied in order: per entry, the last change wins (an upsert, or a removal,
 * which also covers an entry the first state never had).
 */
export function composeSnapshotChanges(deltas: ReadonlyArray<SnapshotDelta['changes']>): SnapshotDelta['changes'] {
  const composed: SnapshotDelta['changes'] = {};
  for (const section of snapshotSections) {
    const last = new Map<string, unknown>();
    const removed = Symbol('removed');
    for (const changes of deltas) {
      const change = changes[section];
      if (!change) continue;
      for (const id of change.remove) last.set(id, removed);
      for (const [id, entry] of Object.entries(change.upsert)) last.set(id, entry);
    }
    if (last.size === 0) continue;
    const upsert: Record<string, unknown> = {};
    const remove: string[] = [];
    for (const [id, entry] of last) {
      if (entry === removed) remove.push(id);
      else upsert[id] = entry;
    }
    composed[section] = { upsert: upsert as JsonObject, remove };
  }
  return composed;
}
