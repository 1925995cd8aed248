// Members in no order, each knowing its slot: add pushes, remove moves the last member into the removed
// one's slot. For what joins and leaves once per request (spend holds in flight, streamed attempts'
// deadlines): a Set's add and delete left deleted entries that made it rehash into a new table every few
// requests; this array only grows to the most members ever held at once.

/** A member of a SlotList: where it is in the list, -1 while it is in none. */
export interface Slotted {
  slot: number;
}

export class SlotList<Member extends Slotted> {
  /** The members, in no order; a removal during a walk moves the last member into the current slot (walk from the end). */
  readonly members: Member[] = [];

  add(member: Member): void {
    member.slot = this.members.length;
    this.members.push(member);
  }

  /** True the first time `member` leaves; false when it is not in the list. */
  remove(member: Member): boolean {
    const slot = member.slot;
    if (slot === -1) return false;
    member.slot = -1;
    const last = this.members.pop() as Member;
    if (last !== member) {
      this.members[slot] = last;
      last.slot = slot;
    }
    return true;
  }
}
