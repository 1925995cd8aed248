// An OpenAI tool call's `arguments` (a JSON string) → Anthropic's `input` (an object). Arguments that
// are not a JSON object (a model can emit broken JSON) become {}: Anthropic clients require an object.
import { isRecord, type JsonObject } from '../../../../shared/src/json-object.ts';

export function parseToolInput(argumentsJson: unknown): JsonObject {
  if (typeof argumentsJson !== 'string' || argumentsJson.trim() === '') return {};
  try {
    const parsed = JSON.parse(argumentsJson) as unknown;
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
