/**
 * An object whose keys keep a Python dict's order, the order they were first set in. A plain
 * JavaScript object lists integer-like keys (`"10"`) first and in numeric order, so variables
 * AWX echoes as `{"b": 1, "10": 2}` would come back as `{"10": 2, "b": 1}`. The proxy lists its
 * keys in insertion order to everything that reads them (Object.entries, JSON.stringify, spread's
 * reading); a spread's result is a plain object again, so merges go through `pythonDict`.
 */

/** A dict of these sources' keys in order, a later source's value winning, as `{**a, **b}`. */
export function pythonDict(
  ...sources: ReadonlyArray<Iterable<readonly [string, unknown]> | Record<string, unknown>>
): Record<string, unknown> {
  const order: string[] = [];
  const known = new Set<string>();
  const remember = (key: string | symbol) => {
    if (typeof key !== 'string' || known.has(key)) return;
    known.add(key);
    order.push(key);
  };
  const dict = new Proxy<Record<string, unknown>>(
    {},
    {
      ownKeys: () => [...order],
      defineProperty(target, key, descriptor) {
        remember(key);
        return Reflect.defineProperty(target, key, descriptor);
      },
      set(target, key, value) {
        remember(key);
        return Reflect.defineProperty(target, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      },
      deleteProperty(target, key) {
        if (typeof key === 'string' && known.delete(key)) order.splice(order.indexOf(key), 1);
        return Reflect.deleteProperty(target, key);
      },
    },
  );
  for (const source of sources) {
    const entries = Symbol.iterator in source ? source : Object.entries(source);
    for (const [key, value] of entries as Iterable<readonly [string, unknown]>) {
      // Defined, not assigned, so a key `__proto__` is a key.
      Object.defineProperty(dict, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return dict;
}
