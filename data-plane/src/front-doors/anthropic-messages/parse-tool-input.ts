// An OpenAI tool call's `arguments` (a JSON string) → Anthropic's `input` (an object). Arguments that
// are not a JSON object (a model can emit broken JSON) become {}: Anthropic clients require an object.
export function parseToolInput(argumentsJson: unknown): Record<string, unknown> {
  if (typeof argumentsJson !== 'string' || argumentsJson.trim() === '') return {};
  try {
    const parsed = JSON.parse(argumentsJson) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
