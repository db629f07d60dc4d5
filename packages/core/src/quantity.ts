/**
 * Kubernetes resource quantities as apimachinery's resource.Quantity reads and compares them:
 * exactly. A float cannot tell `700m` from `0.7` reliably, nor two byte counts past 2^53, and
 * the API server refuses or admits by the exact value.
 */

/**
 * A quantity in apimachinery's grammar (a decimal number with an optional leading `+`, then a
 * binary suffix `Ki`..`Ei`, a decimal one `n`, `u`, `m`, `k`..`E`, or an exponent), never
 * negative. The exponent is whole: apimachinery's parser reads only digits after its sign,
 * though its documented grammar allows `1e1.5`. The exponent has at most three digits past
 * leading zeros, a bound of ours: the API server takes longer ones, but 1e999 is already far
 * past anything a node has (the scheduler counts in int64, 9.2e18), while reading `1e99999999`
 * exactly takes this process seconds of big-number arithmetic, holding up every execution.
 */
export const quantityPattern =
  '^\\+?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?0*[0-9]{1,3})?$';
const quantityExpression = new RegExp(quantityPattern);

/** A quantity as the fraction `n / d`, exactly, as apimachinery holds it. */
export interface ExactQuantity {
  readonly n: bigint;
  readonly d: bigint;
}

function power(base: bigint, exponent: number): ExactQuantity {
  return exponent >= 0
    ? { n: base ** BigInt(exponent), d: 1n }
    : { n: 1n, d: base ** BigInt(-exponent) };
}

/**
 * Every suffix a quantity may end with, and what it multiplies the number by: apimachinery's
 * suffixer, binary ones first as there.
 */
export const quantitySuffixes: ReadonlyMap<string, ExactQuantity> = new Map([
  ['Ki', power(2n, 10)],
  ['Mi', power(2n, 20)],
  ['Gi', power(2n, 30)],
  ['Ti', power(2n, 40)],
  ['Pi', power(2n, 50)],
  ['Ei', power(2n, 60)],
  ['n', power(10n, -9)],
  ['u', power(10n, -6)],
  ['m', power(10n, -3)],
  ['', power(10n, 0)],
  ['k', power(10n, 3)],
  ['M', power(10n, 6)],
  ['G', power(10n, 9)],
  ['T', power(10n, 12)],
  ['P', power(10n, 15)],
  ['E', power(10n, 18)],
]);

/** apimachinery keeps quantities to the nano-unit, rounding any finer part up. */
const nano = 10n ** 9n;
/** The most a quantity with a binary suffix holds: apimachinery caps it at the int64 maximum. */
const binaryCap = 2n ** 63n - 1n;

/**
 * The value of a quantity as the API server holds it once parsed: exact, rounded up to the
 * nano-unit (so `0.1n` is `1n`), a binary one capped at 2^63-1 (so `8Ei` and `16Ei` are the
 * same), as ParseQuantity does, and as Quantity.Cmp then compares it. Undefined outside the
 * grammar.
 */
export function exactQuantity(quantity: string): ExactQuantity | undefined {
  if (!quantityExpression.test(quantity)) return undefined;
  const [, whole = '', fraction = '', suffix = ''] =
    /^\+?([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(quantity) ?? [];
  const multiplier = quantitySuffixes.get(suffix) ?? power(10n, Number(suffix.slice(1)));
  const n = BigInt(`${whole}${fraction}` || '0') * multiplier.n * nano;
  const d = 10n ** BigInt(fraction.length) * multiplier.d;
  const nanos = (n + d - 1n) / d;
  const capped = suffix.endsWith('i') && nanos > binaryCap * nano ? binaryCap * nano : nanos;
  return { n: capped, d: nano };
}

/** `a` compared with `b`: negative, zero or positive, as resource.Quantity's Cmp. */
export function compareExact(a: ExactQuantity, b: ExactQuantity): number {
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left === right ? 0 : left < right ? -1 : 1;
}
