// A parsed JSON object: the one check every reader of client bodies and upstream answers uses before it
// looks at fields, instead of a copy per converter.

export type JsonObject = Record<string, unknown>;

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
