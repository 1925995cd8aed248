// GET /generation?id=<request id>: the stored record of one request (tokens, cost, timings), only to the
// API key that made it; another key's request and an unknown id are both 404, and an id no request can
// have is 400 without asking the control plane (it answered 502 when the database refused it).
import { GatewayError } from '../../../shared/src/errors.ts';
import { USAGE_EVENT_LIMITS } from '../../../shared/src/usage-event.ts';
import type { ClientResponse } from '../http/client-response.ts';
import { sendJson } from '../http/send-json.ts';
import { toGenerationRecord } from '../metering/to-generation-record.ts';
import { openRequest } from './authenticate-key.ts';
import type { PipelineContext } from './pipeline-context.ts';

export async function handleGeneration(context: PipelineContext, response: ClientResponse, request: { authorization: string; query: string }): Promise<void> {
  const caller = openRequest(context, request.authorization, response.startedAtEpochMs);
  const requestId = new URLSearchParams(request.query).get('id');
  if (requestId === null || requestId === '')
    throw new GatewayError('invalid_request', "The query parameter 'id' (a request id, as in x-request-id) is required.", { param: 'id' });
  if (requestId.length > USAGE_EVENT_LIMITS.idLength || requestId.includes('\u0000'))
    throw new GatewayError('invalid_request', `The query parameter 'id' is not a request id (at most ${USAGE_EVENT_LIMITS.idLength} characters, no NUL).`, {
      param: 'id',
    });
  const event = await context.generations.find(requestId, caller.apiKey.id).catch((error: unknown) => {
    throw new GatewayError('upstream_error', 'The gateway could not reach its control plane to look this request up; retry shortly.', { cause: error });
  });
  if (event === null) throw new GatewayError('not_found', `No request '${requestId}' was made with this API key.`, { param: 'id' });
  sendJson(response, 200, JSON.stringify(toGenerationRecord(event, caller.snapshot.state.providers[event.providerId]?.slug ?? null)));
}
