// MiniMax M2 models put their reasoning inline, at the start of `content`, wrapped in
// `<think>…</think>` (wire-formats.md §2.9). This splits a message's content, fed piece by piece as it
// streams, into reasoning and content. The tags may be cut anywhere across pieces, so text that could
// still be the start of `<think>` (before anything else was seen) or of `</think>` (while thinking) is
// held back until the next piece decides it, or until `flush()` at the end. Only a leading `<think>`
// counts; the blank lines between `</think>` and the answer are dropped.

const OPEN = '<think>';
const CLOSE = '</think>';

export interface ThinkSplit {
  reasoning: string;
  content: string;
}

/** The length of the longest end of `text` that is a start of `tag`. */
function partialTagLength(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length -= 1) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}

export class MiniMaxThinkSplitter {
  #state: 'start' | 'thinking' | 'separator' | 'content' = 'start';
  #held = '';

  /** True once everything further is plain content (nothing held back). */
  get passingThrough(): boolean {
    return this.#state === 'content';
  }

  push(text: string): ThinkSplit {
    const split: ThinkSplit = { reasoning: '', content: '' };
    let rest = this.#held + text;
    this.#held = '';
    if (this.#state === 'start') {
      const trimmed = rest.trimStart();
      if (trimmed.startsWith(OPEN)) {
        this.#state = 'thinking';
        rest = trimmed.slice(OPEN.length);
      } else if (OPEN.startsWith(trimmed)) {
        this.#held = rest;
        return split;
      } else {
        this.#state = 'content';
        split.content = rest;
        return split;
      }
    }
    if (this.#state === 'thinking') {
      const end = rest.indexOf(CLOSE);
      if (end === -1) {
        const keep = partialTagLength(rest, CLOSE);
        split.reasoning = rest.slice(0, rest.length - keep);
        this.#held = rest.slice(rest.length - keep);
        return split;
      }
      split.reasoning = rest.slice(0, end);
      rest = rest.slice(end + CLOSE.length);
      this.#state = 'separator';
    }
    if (this.#state === 'separator') {
      rest = rest.trimStart();
      if (rest === '') return split;
      this.#state = 'content';
    }
    split.content += rest;
    return split;
  }

  /** The end of the message: whatever was held back, as what it turned out to be. */
  flush(): ThinkSplit {
    const held = this.#held;
    this.#held = '';
    if (this.#state === 'thinking') return { reasoning: held, content: '' };
    return { reasoning: '', content: held };
  }
}
