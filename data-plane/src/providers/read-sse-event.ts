// One whole SSE event (as split-sse-events.ts cut it) → its `event:` name and joined `data:` lines.
// Comments and other fields are skipped. For adapters that translate events instead of copying them.
import { isRecord } from '../../../shared/src/json-object.ts';

export interface SseEvent {
  event: string | null;
  /** The data lines joined with `\n`; null when the event has none (a comment, a keep-alive). */
  data: string | null;
}

/** An event's data parsed as a JSON object; null when it is not valid JSON or not an object. */
export function parseJsonObject<Wire extends object>(data: string): Wire | null {
  try {
    const parsed = JSON.parse(data) as unknown;
    return isRecord(parsed) ? (parsed as Wire) : null;
  } catch {
    return null;
  }
}

export function readSseEvent(raw: Buffer): SseEvent {
  let event: string | null = null;
  let data: string | null = null;
  for (const line of raw.toString('utf8').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon);
    const value = line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'event') event = value;
    else if (field === 'data') data = data === null ? value : `${data}\n${value}`;
  }
  return { event, data };
}
