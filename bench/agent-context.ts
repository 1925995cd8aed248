// The body of an agent's turn (Claude Code, Codex, Cursor): not one long prompt but a long history of
// medium texts (tool results and file contents of 2-8 KiB, some with escapes and non-ASCII) after a
// system prompt, with about twenty tool definitions. Deterministic, so both sides of a run get the same bytes.

export interface AgentTurn {
  role: 'user' | 'assistant';
  content: string;
}

export interface AgentTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

const TOOL_COUNT = 20;
const LINES = [
  'export function readConfig(path: string): Config {',
  '  const text = readFileSync(path, "utf8"); // the file as the user wrote it',
  '\tif (!text.trim()) throw new Error(`empty config at ${path}`);',
  'Résumé of the change: the café’s naïve parser now keeps “quoted” keys — 変更なし 🚀',
  'the quick brown fox jumps over the lazy dog and keeps running through the long context window',
  '  return { ...defaults, ...JSON.parse(text) } as Config;',
  '}',
];

/** Tool definitions as a coding agent sends them: a name, a paragraph, and a small JSON schema. */
export function agentTools(): AgentTool[] {
  return Array.from({ length: TOOL_COUNT }, (_, index) => ({
    name: `tool_${index}`,
    description: `Tool ${index}: reads, edits or searches the files of the workspace. ${LINES[4]!.repeat(3)}`,
    parameters: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'Absolute path of the file.' },
        pattern: { type: 'string', description: 'A regular expression, e.g. "^import .* from".' },
        limit: { type: 'integer', minimum: 1, maximum: 2000 },
      },
      required: ['path'],
    },
  }));
}

/** Alternating turns of 2-8 KiB each, about `bytes` of content in all. */
export function agentTurns(bytes: number): AgentTurn[] {
  const turns: AgentTurn[] = [];
  let total = 0;
  for (let index = 0; total < bytes; index++) {
    const size = Math.min(2048 + ((index * 2654435761) % 6145), Math.max(1, bytes - total));
    let content = '';
    for (let line = index; content.length < size; line++) content += `${LINES[line % LINES.length]}\n`;
    content = content.slice(0, size);
    turns.push({ role: index % 2 === 0 ? 'user' : 'assistant', content });
    total += size;
  }
  return turns;
}
