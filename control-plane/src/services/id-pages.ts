// Keyset pages over a table with a growing bigint id, newest first: the cursor is the last id shown, the
// next page the rows below it, so a row added meanwhile never shifts a later page.
export interface IdPage<View> {
  entries: View[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The `id` filter for the page after `cursor`. */
export const belowCursor = (cursor: string | undefined): { lt: bigint } | undefined => (cursor === undefined ? undefined : { lt: BigInt(cursor) });

export async function pageById<Row extends { id: bigint }, View>(
  limit: number,
  read: (take: number) => Promise<Row[]>,
  view: (row: Row) => View,
): Promise<IdPage<View>> {
  // One more than asked tells whether another page exists.
  const rows = await read(limit + 1);
  const page = rows.slice(0, limit);
  return { entries: page.map(view), nextCursor: rows.length > limit ? String(page[page.length - 1]?.id) : null };
}
