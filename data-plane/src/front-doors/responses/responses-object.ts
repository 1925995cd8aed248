// The pieces of a `response` object shared by the complete and the streamed answer: ids derived from
// the gateway's request id (so translation stays pure), the object around the output, chat usage in
// Responses terms, and the status a chat finish reason means.
import type { ResponsesEcho } from './convert-responses-request.ts';
import type { UsageCostFields } from '../../metering/usage-cost-fields.ts';
import type { ResponsesObject, ResponsesOutputItem, ResponsesStatus } from './responses-wire.ts';

export interface ResponseIdentity {
  /** `resp_…`; function calls and streamed items get `fc_…_<n>`, `msg_…_<n>`, `rs_…_<n>` (see self-contained-item-id.ts). */
  id: string;
  itemId(kind: 'msg' | 'fc' | 'rs', outputIndex: number): string;
  createdAt: number;
}

export function responseIdentity(requestId: string, createdAt: number): ResponseIdentity {
  const compact = requestId.replaceAll('-', '');
  return { id: `resp_${compact}`, itemId: (kind, outputIndex) => `${kind}_${compact}_${outputIndex}`, createdAt };
}

export interface ResponseOutcome {
  status: ResponsesStatus;
  output: ResponsesOutputItem[];
  usage: ResponsesObject['usage'];
  error?: { code: string; message: string } | null;
  incompleteReason?: string | null;
}

export function buildResponseObject(identity: ResponseIdentity, echo: ResponsesEcho, outcome: ResponseOutcome): ResponsesObject {
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status: outcome.status,
    error: outcome.error ?? null,
    incomplete_details: outcome.incompleteReason ? { reason: outcome.incompleteReason } : null,
    instructions: echo.instructions,
    max_output_tokens: echo.max_output_tokens,
    model: echo.model,
    output: outcome.output,
    parallel_tool_calls: echo.parallel_tool_calls,
    previous_response_id: null,
    reasoning: echo.reasoning,
    store: false,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.tool_choice,
    tools: echo.tools,
    top_p: echo.top_p,
    truncation: 'disabled',
    usage: outcome.usage,
    user: echo.user,
    metadata: echo.metadata,
  };
}

/** A chat finish reason → the response's status; `length` and `content_filter` leave it incomplete. */
export function statusOfFinishReason(finishReason: unknown): { status: ResponsesStatus; incompleteReason: string | null } {
  if (finishReason === 'length') return { status: 'incomplete', incompleteReason: 'max_output_tokens' };
  if (finishReason === 'content_filter') return { status: 'incomplete', incompleteReason: 'content_filter' };
  return { status: 'completed', incompleteReason: null };
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** OpenAI chat `usage` → Responses `usage` with the gateway's cost fields kept; null when the chat answer carried none. */
export function convertChatUsage(usage: unknown): ResponsesObject['usage'] {
  if (usage === null || typeof usage !== 'object') return null;
  const chat = usage as {
    prompt_tokens?: unknown;
    completion_tokens?: unknown;
    total_tokens?: unknown;
    prompt_tokens_details?: { cached_tokens?: unknown } | null;
    completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  };
  const inputTokens = count(chat.prompt_tokens);
  const outputTokens = count(chat.completion_tokens);
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cached_tokens: count(chat.prompt_tokens_details?.cached_tokens) },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: count(chat.completion_tokens_details?.reasoning_tokens) },
    total_tokens: typeof chat.total_tokens === 'number' ? chat.total_tokens : inputTokens + outputTokens,
    ...pickCostFields(usage as Record<string, unknown>),
  };
}

const COST_FIELDS = ['cost', 'cost_microdollars', 'cost_details'] as const;

function pickCostFields(usage: Record<string, unknown>): Partial<UsageCostFields> {
  const fields: Record<string, unknown> = {};
  for (const field of COST_FIELDS) if (usage[field] !== undefined) fields[field] = usage[field];
  return fields as Partial<UsageCostFields>;
}
