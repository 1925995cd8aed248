// GET /usage: the caller's daily limit, spend today (settled and in flight), what remains, when it resets
// (00:00 UTC), and the org's balance, as this data plane enforces them (spend/spend-summary.ts).
import type { ClientResponse } from '../http/client-response.ts';
import { sendJson } from '../http/send-json.ts';
import { openRequest } from './authenticate-key.ts';
import type { PipelineContext } from './pipeline-context.ts';

export async function handleUsage(context: PipelineContext, response: ClientResponse, authorization: string): Promise<void> {
  const principal = openRequest(context, authorization, response.startedAtEpochMs);
  const summary = await context.spend.summary(principal, response.startedAtEpochMs);
  sendJson(response, 200, JSON.stringify(summary));
}
