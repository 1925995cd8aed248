// A describe block's fixtures are made in its beforeAll, but its tests and helpers are written against them
// before they exist. This stands in for such a fixture: every property read, write and method call goes to
// the real one once it is set, and fails loudly if a test runs before it is.
export function lateBound<T extends object>(what: string): { value: T; set(real: T): void } {
  let real: T | undefined;
  const target = (): T => {
    if (real === undefined) throw new Error(`${what} is used before the beforeAll that makes it has run`);
    return real;
  };
  const value = new Proxy({} as T, {
    get(_, property) {
      const found = Reflect.get(target(), property) as unknown;
      return typeof found === 'function' ? (found as (...args: unknown[]) => unknown).bind(real) : found;
    },
    set(_, property, assigned) {
      return Reflect.set(target(), property, assigned);
    },
    has(_, property) {
      return Reflect.has(target(), property);
    },
  });
  return {
    value,
    set(made) {
      real = made;
    },
  };
}
