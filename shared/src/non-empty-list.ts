// A list the type system knows has a first element: what a step that never returns an empty list
// (choose-endpoints.ts) promises its callers, so they read `list[0]` without a cast.

export type NonEmptyList<T> = [T, ...T[]];

export function isNonEmpty<T>(list: T[]): list is NonEmptyList<T> {
  return list.length > 0;
}

export function mapNonEmpty<T, U>(list: NonEmptyList<T>, map: (item: T) => U): NonEmptyList<U> {
  // Array#map keeps the length; only its type forgets that the list was not empty.
  return list.map(map) as NonEmptyList<U>;
}
