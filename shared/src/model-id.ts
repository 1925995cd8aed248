// Model ids are `provider/model` (e.g. `anthropic/claude-sonnet-4.5`); the part after the first slash
// may itself contain slashes (e.g. `together/meta-llama/Llama-3-70b`).

export interface ParsedModelId {
  provider: string;
  model: string;
}

export function parseModelId(id: string): ParsedModelId | null {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1) return null;
  return { provider: id.slice(0, slash), model: id.slice(slash + 1) };
}
