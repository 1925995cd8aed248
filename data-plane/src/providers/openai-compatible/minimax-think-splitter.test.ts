import { describe, expect, it } from 'vitest';
import { MiniMaxThinkSplitter } from './minimax-think-splitter.ts';

function split(pieces: string[]): { reasoning: string; content: string; steps: Array<[string, string]> } {
  const splitter = new MiniMaxThinkSplitter();
  const steps: Array<[string, string]> = [];
  for (const piece of pieces) {
    const step = splitter.push(piece);
    steps.push([step.reasoning, step.content]);
  }
  const last = splitter.flush();
  steps.push([last.reasoning, last.content]);
  return { reasoning: steps.map(([reasoning]) => reasoning).join(''), content: steps.map(([, content]) => content).join(''), steps };
}

describe('MiniMaxThinkSplitter', () => {
  it('moves a leading think block to reasoning and drops the blank lines after it', () => {
    expect(split(['<think>\nPlan.\n</think>\n\nAnswer.'])).toMatchObject({ reasoning: '\nPlan.\n', content: 'Answer.' });
  });

  it('finds tags cut anywhere across pieces, holding back only what could be a tag', () => {
    const result = split(['<th', 'ink>Pl', 'an.</', 'thi', 'nk>', '\n', '\nAns', 'wer.']);
    expect(result).toMatchObject({ reasoning: 'Plan.', content: 'Answer.' });
    expect(result.steps).toEqual([
      ['', ''],
      ['Pl', ''],
      ['an.', ''],
      ['', ''],
      ['', ''],
      ['', ''],
      ['', 'Ans'],
      ['', 'wer.'],
      ['', ''],
    ]);
  });

  it('passes content without a leading think block through, tags later in the text included', () => {
    const splitter = new MiniMaxThinkSplitter();
    expect(splitter.push('Hi <think>x</think>')).toEqual({ reasoning: '', content: 'Hi <think>x</think>' });
    expect(splitter.passingThrough).toBe(true);
    expect(split(['<', 'b>bold</b>'])).toMatchObject({ reasoning: '', content: '<b>bold</b>' });
  });

  it('flushes what was held back as what it turned out to be', () => {
    expect(split(['<thi'])).toMatchObject({ reasoning: '', content: '<thi' });
    expect(split(['<think>cut off</th'])).toMatchObject({ reasoning: 'cut off</th', content: '' });
  });
});
