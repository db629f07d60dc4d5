/**
 * The order CPython 3.11 lists a set of model instances in, where AWX answers one: a Django
 * model's hash is its primary key's (Model.__hash__), and an int's hash is the int, so the order
 * is the one Objects/setobject.c leaves positive ints in: by their slot in a table of a power of
 * two slots, probing on from a taken slot, the table growing as it fills. A client sees it in a
 * launch's `ignored_fields.credentials` and in the credentials a refused launch names, which
 * AWX builds as `set(a) - set(b)`.
 */

/** PySet_MINSIZE, LINEAR_PROBES and PERTURB_SHIFT of setobject.c. */
const MIN_SIZE = 8;
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5;

/** A set's table: slots of positive ints (their own hash), `undefined` unused, `null` a dummy. */
interface Table {
  slots: (number | null | undefined)[];
  fill: number;
  used: number;
}

function emptyTable(size = MIN_SIZE): Table {
  return { slots: new Array<number | null | undefined>(size).fill(undefined), fill: 0, used: 0 };
}

/** setobject.c's set_insert_clean: a key known absent into a table without dummies. */
function insertClean(slots: (number | null | undefined)[], key: number): void {
  const mask = slots.length - 1;
  let perturb = key;
  let i = key & mask;
  for (;;) {
    if (slots[i] === undefined) {
      slots[i] = key;
      return;
    }
    if (i + LINEAR_PROBES <= mask) {
      for (let j = 1; j <= LINEAR_PROBES; j++) {
        if (slots[i + j] === undefined) {
          slots[i + j] = key;
          return;
        }
      }
    }
    perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT);
    i = (i * 5 + 1 + perturb) & mask;
  }
}

/** set_table_resize: the smallest power of two above `minUsed`, the keys in slot order. */
function resize(table: Table, minUsed: number): void {
  let size = MIN_SIZE;
  while (size <= minUsed) size *= 2;
  // A table of the smallest size without dummies is left as it is.
  if (size === MIN_SIZE && table.slots.length === MIN_SIZE && table.fill === table.used) return;
  const keys = table.slots.filter((key): key is number => typeof key === 'number');
  table.slots = new Array<number | null | undefined>(size).fill(undefined);
  for (const key of keys) insertClean(table.slots, key);
  table.fill = keys.length;
  table.used = keys.length;
}

/** set_add_entry: probes as insertClean, a key already there is kept where it is. */
function add(table: Table, key: number): void {
  const mask = table.slots.length - 1;
  let perturb = key;
  let i = key & mask;
  for (;;) {
    const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
    for (let j = 0; j <= probes; j++) {
      const slot = table.slots[i + j];
      if (slot === key) return;
      if (slot === undefined) {
        table.slots[i + j] = key;
        table.fill++;
        table.used++;
        if (table.fill * 5 >= mask * 3) resize(table, table.used * 4);
        return;
      }
    }
    perturb = Math.floor(perturb / 2 ** PERTURB_SHIFT);
    i = (i * 5 + 1 + perturb) & mask;
  }
}

function keysOf(table: Table): number[] {
  return table.slots.filter((key): key is number => typeof key === 'number');
}

/** `set(keys)` of a list: each added in turn (set_update_internal). */
function fromList(keys: readonly number[]): Table {
  const table = emptyTable();
  for (const key of keys) add(table, key);
  return table;
}

/** set_merge into an empty set (set_copy): one resize first, then the slots copied or reinserted. */
function copy(other: Table): Table {
  const table = emptyTable();
  if (other.used === 0) return table;
  if (other.used * 5 >= (MIN_SIZE - 1) * 3) resize(table, other.used * 2);
  if (table.slots.length === other.slots.length && other.fill === other.used) {
    table.slots = [...other.slots];
  } else {
    for (const key of keysOf(other)) insertClean(table.slots, key);
  }
  table.fill = other.used;
  table.used = other.used;
  return table;
}

/**
 * `list(set(a) - set(b))` for positive ints, as CPython 3.11 orders it (set_difference): a
 * set much larger than `b` is copied and `b`'s keys discarded from it, leaving dummies, which
 * a table of more than a quarter dummies is resized away from; otherwise `a`'s keys not in `b`
 * are added to a new set in `a`'s slot order.
 */
export function pythonSetDifference(a: readonly number[], b: readonly number[]): number[] {
  const left = fromList(a);
  const right = fromList(b);
  const excluded = new Set(keysOf(right));
  if (left.used >> 2 > right.used) {
    const result = copy(left);
    for (const key of keysOf(right)) {
      const at = result.slots.indexOf(key);
      if (at < 0) continue;
      result.slots[at] = null;
      result.used--;
    }
    if (result.fill - result.used > (result.slots.length - 1) >> 2) {
      resize(result, result.used * 4);
    }
    return keysOf(result);
  }
  const result = emptyTable();
  for (const key of keysOf(left)) if (!excluded.has(key)) add(result, key);
  return keysOf(result);
}
