// The client's OpenAI `stop` and reasoning fields, checked once for the adapters that rebuild them in
// their own shape (Anthropic's stop_sequences and thinking, Gemini's stopSequences and thinkingConfig).
import { GatewayError } from '../../../shared/src/errors.ts';
import { isRecord, type JsonObject } from '../../../shared/src/json-object.ts';

/** `stop` as a list of strings; undefined when the client sent none. */
export function readStopSequences(stop: unknown): string[] | undefined {
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((item) => typeof item === 'string')) return stop;
  if (stop === undefined || stop === null) return undefined;
  throw new GatewayError('invalid_request', "'stop' must be a string or an array of strings.", { param: 'stop' });
}

/**
 * The thinking budget asked for through `reasoning_effort`, or OpenRouter's `reasoning` object; null when
 * none is asked for. `budgets` maps each effort to the provider's budget (null: thinking off), and
 * `minimum` is the smallest explicit `reasoning.max_tokens` the provider takes.
 */
export function readThinkingBudget(body: JsonObject, budgets: Readonly<Record<string, number | null>>, minimum: number): number | null {
  const reasoning = isRecord(body.reasoning) ? body.reasoning : null;
  if (reasoning !== null && typeof reasoning.max_tokens === 'number') return Math.max(minimum, Math.floor(reasoning.max_tokens));
  const effort = body.reasoning_effort ?? reasoning?.effort ?? (reasoning?.enabled === true ? 'medium' : undefined);
  if (effort === undefined || effort === null) return null;
  const budget = typeof effort === 'string' && Object.hasOwn(budgets, effort) ? budgets[effort] : undefined;
  if (budget === undefined) {
    throw new GatewayError('invalid_request', "'reasoning_effort' must be none, minimal, low, medium or high.", { param: 'reasoning_effort' });
  }
  return budget;
}
