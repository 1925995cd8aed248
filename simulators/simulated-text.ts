// What every simulator says and counts, so a test predicts each byte and token: the reply echoes the last
// user turn, and a token is a whitespace-separated word (prompt and completion alike).

/** Whitespace-separated words: a simple, documented token count both sides can predict. */
export function countSimulatorTokens(text: string): number {
  const trimmed = text.trim();
  return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

/** "Echo: " and the text of the last turn whose role is `user` (each wire format reads a turn's text its own way). */
export function echoLastUserTurn<Turn extends { role?: unknown }>(turns: readonly Turn[] | undefined, textOf: (turn: Turn | undefined) => string): string {
  return `Echo: ${textOf(turns?.findLast((turn) => turn.role === 'user'))}`;
}

/** The tokens of every turn's text. */
export function countTurnTokens<Turn>(turns: readonly Turn[] | undefined, textOf: (turn: Turn) => string): number {
  return (turns ?? []).reduce((sum, turn) => sum + countSimulatorTokens(textOf(turn)), 0);
}

/** An OpenAI-shaped message's text: its content string, or its text parts joined by spaces. */
export function chatMessageText(message: { content?: unknown } | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { type?: unknown; text?: unknown }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : '')).join(' ');
}
