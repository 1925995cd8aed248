import { describe, expect, it } from 'vitest';
import { SlotList } from './slot-list.ts';

const member = (name: string) => ({ name, slot: -1 });

describe('SlotList', () => {
  it('holds what was added and not removed, each knowing its slot', () => {
    const list = new SlotList<ReturnType<typeof member>>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(member) as [
      ReturnType<typeof member>,
      ReturnType<typeof member>,
      ReturnType<typeof member>,
      ReturnType<typeof member>,
    ];
    for (const each of [a, b, c, d]) list.add(each);
    expect(list.remove(b)).toBe(true);
    expect(list.members.map((each) => each.name).sort()).toEqual(['a', 'c', 'd']);
    list.members.forEach((each, index) => expect(each.slot).toBe(index));
    expect(b.slot).toBe(-1);
  });

  it('removes a member once: a second remove, or one never added, changes nothing', () => {
    const list = new SlotList<ReturnType<typeof member>>();
    const a = member('a');
    const b = member('b');
    list.add(a);
    list.add(b);
    expect(list.remove(a)).toBe(true);
    expect(list.remove(a)).toBe(false);
    expect(list.remove(member('stranger'))).toBe(false);
    expect(list.members).toEqual([b]);
    expect(list.remove(b)).toBe(true);
    expect(list.members).toEqual([]);
  });
});
