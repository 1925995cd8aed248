// Native streams (Anthropic Messages, OpenAI Responses) are relayed as the upstream framed them, but the
// object they describe names the upstream's model (`message.model`, `response.model`); the client is
// told the id it asked for instead. Only those few events are re-serialised.
import { isRecord } from '../../../shared/src/json-object.ts';
import { parseJsonObject, readSseEvent } from './read-sse-event.ts';

/** `event` with `data[member].model` set to `model`; unchanged when it has no such string or already names it. */
export function withMemberModel(event: Buffer, member: string, model: string): Buffer {
  const { event: name, data } = readSseEvent(event);
  if (data === null) return event;
  const payload = parseJsonObject<Record<string, unknown>>(data);
  const inner = payload?.[member];
  if (!isRecord(inner) || typeof inner.model !== 'string' || inner.model === model) return event;
  const renamed = JSON.stringify({ ...payload, [member]: { ...inner, model } });
  return Buffer.from(`${name === null ? '' : `event: ${name}\n`}data: ${renamed}\n\n`);
}
