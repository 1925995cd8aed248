// Output item ids that carry their own item, so a later request's `item_reference` to one can be
// expanded without stored state, on any replica: `msg_` + base64url of {"text"} for an assistant
// message, `rs_` + base64url of {"summary"} for reasoning. Clients like the Vercel AI SDK (store
// defaults to true there) send earlier assistant output back as references to these ids.
//
// Only non-streamed answers can mint them: a streamed item's id is announced in output_item.added,
// before its text exists, and the AI SDK keys the text part by that first id (its text-end must
// carry the same one), so streamed items keep the short ids of responses-object.ts. What the AI SDK
// sends back of a step is: item references for text and reasoning, and function_call items in full
// but without their `id`, so the only field that round trips and is minted after the text is a
// call's `call_id`. A streamed answer's first function call therefore carries the items streamed
// before it: its call_id is `call_` + base64url of {"call": <the upstream's call id>, "items":
// {<short id>: <self-contained id>}}, read back (and the upstream's call id restored) when the call
// and its output return. A streamed answer without a call (a final text) cannot be referenced.
//
// The same content always gives the same id, which is harmless because the id is the content. A
// forged id is harmless too (a client may send any assistant text as a message item anyway), so the
// only defences are a size cap and a strict shape check.

import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';

/** An id longer than this is not decoded (the whole request body is capped elsewhere too). */
export const MAX_SELF_CONTAINED_ID_LENGTH = 1024 * 1024;

export function selfContainedMessageId(text: string): string {
  return `msg_${encode({ text })}`;
}

export function selfContainedReasoningId(summary: string): string {
  return `rs_${encode({ summary })}`;
}

/** The input item a self-contained id stands for, or null when the id is not one the gateway minted. */
export function expandSelfContainedId(id: string): JsonObject | null {
  if (id.length > MAX_SELF_CONTAINED_ID_LENGTH) return null;
  if (id.startsWith('msg_')) {
    const text = decodeField(id.slice('msg_'.length), 'text');
    return text === null ? null : { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] };
  }
  if (id.startsWith('rs_')) {
    const summary = decodeField(id.slice('rs_'.length), 'summary');
    return summary === null ? null : { type: 'reasoning', summary: [{ type: 'summary_text', text: summary }] };
  }
  return null;
}

/** The call_id of a streamed answer's call that carries the items streamed before it (short id → self-contained id). */
export function carryingCallId(callId: string, items: Record<string, string>): string {
  return `call_${encode({ call: callId, items })}`;
}

/** A call_id as the upstream spelled it, and the items it carries (none unless the gateway made it carry some). */
export function readCallId(callId: string): { callId: string; items: Record<string, string> } {
  const payload = callId.length > MAX_SELF_CONTAINED_ID_LENGTH || !callId.startsWith('call_') ? null : decodeObject(callId.slice('call_'.length));
  if (payload === null || Object.keys(payload).length !== 2 || typeof payload.call !== 'string' || !isStringRecord(payload.items)) return { callId, items: {} };
  return { callId: payload.call, items: payload.items };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

function encode(payload: JsonObject): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** The payload's one string field, when the payload is exactly `{"<field>": "<string>"}`. */
function decodeField(encoded: string, field: string): string | null {
  const payload = decodeObject(encoded);
  const keys = payload === null ? [] : Object.keys(payload);
  const value = payload?.[field];
  return keys.length === 1 && keys[0] === field && typeof value === 'string' ? value : null;
}

/** base64url of a JSON object → the object; null for anything else. */
function decodeObject(encoded: string): JsonObject | null {
  // Node's decoder skips characters outside the alphabet; an id with any is not ours.
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return isRecord(payload) ? payload : null;
}
