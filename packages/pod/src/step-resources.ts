import {
  ConfigurationError,
  exactQuantity,
  quantitySuffixes,
  type ResourceDefaults,
  type ResourceRequirements,
} from '@roundhouse/core';
import { engineConfigPath } from './config.js';

/** Kubernetes quantities are exact to the nano-unit: every value here counts those, as a bigint. */
const nano = 10n ** 9n;

/**
 * A quantity (apimachinery's grammar, as `workflowRef.resources` takes it) in nano-units, as
 * the API server holds it (a part below one nano-unit rounded up). Undefined when it does not
 * follow the grammar.
 */
function nanoUnits(quantity: string): bigint | undefined {
  const exact = exactQuantity(quantity);
  return exact && (exact.n * nano) / exact.d;
}

/**
 * How finely a resource divides, in nano-units, and the least limit a container can run with.
 * cpu: 1m, and 10m, the least CPU time the kubelet gives a limited container (a CFS quota of
 * 1 ms per 100 ms period). memory: a byte, and 12Mi, CRI-O's least memory limit (runc needs
 * about that to start a container). ephemeral-storage: a byte. `hugepages-<size>`: a page.
 * Extended resources (`example.com/gpu`) are whole devices.
 */
function granularity(name: string): { readonly unit: bigint; readonly least: bigint } {
  if (name === 'cpu') return { unit: nano / 1000n, least: (10n * nano) / 1000n };
  if (name === 'memory') return { unit: nano, least: 12n * 2n ** 20n * nano };
  if (name === 'ephemeral-storage') return { unit: nano, least: nano };
  const page = name.startsWith('hugepages-') ? nanoUnits(name.slice('hugepages-'.length)) : nano;
  const unit = page && page >= nano ? page : nano;
  return { unit, least: unit };
}

/** The suffixes that multiply by a whole number of bytes above one: `k`..`E`, `Ki`..`Ei`. */
const byteUnits: readonly (readonly [string, bigint])[] = [...quantitySuffixes]
  .filter(([, { n, d }]) => d === 1n && n > 1n)
  .map(([suffix, { n }]) => [suffix, n] as const);

/**
 * A share as a quantity: cpu in millicores; bytes in the shortest form that holds them whole
 * (`256Mi`, `250M`, else `1431655765`); devices as a count.
 */
function quantityOf(name: string, units: bigint): string {
  if (name === 'cpu') return `${units / (nano / 1000n)}m`;
  const whole = units / nano;
  const bytes = name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
  if (!bytes || whole === 0n) return `${whole}`;
  return byteUnits
    .filter(([, size]) => whole % size === 0n)
    .map(([suffix, size]) => `${whole / size}${suffix}`)
    .reduce((shortest, form) => (form.length < shortest.length ? form : shortest), `${whole}`);
}

/**
 * The resources of each step's container when `running` steps run at once in a Pod that has
 * `total` as a whole. Steps in order run one at a time (`running` 1) and each gets all of it, its
 * quantities as they are; parallel steps share it, every request and limit divided equally among
 * them, rounded down to what the resource divides into, so the Pod's containers together never
 * ask for more than `total`. The engine's resources (and `workflowRef.resources` within them)
 * bound the Pod either way. One rule for both: a limit that leaves a step less than a container
 * can run with (but 0, which the kubelet reads as no limit at all) is a ConfigurationError at
 * once, rather than a container the runtime cannot start, naming the field that set it: the
 * execution's `workflowRef.resources`, or, for the engine's own, `resources` when a step gets all
 * of it and `parallel` when the steps share it.
 */
export function stepResources(
  total: ResourceDefaults | undefined,
  running: number,
  asked: ResourceRequirements | undefined,
): ResourceDefaults | undefined {
  if (!total) return undefined;
  const alone = running <= 1;
  const share = (section: 'limits' | 'requests') => {
    const list = total[section];
    if (!list) return undefined;
    const entries = Object.entries(list).map(([name, quantity]) => {
      const own =
        asked?.[section]?.[name] !== undefined
          ? `spec.workflowRef.resources.${section}.${name}`
          : undefined;
      const value = nanoUnits(quantity);
      if (value === undefined) {
        // The execution's quantities passed its schema: this is the engine's setting.
        throw new ConfigurationError({
          path: own ?? `resources.${section}.${name}`,
          message: `"${quantity}" is not a quantity such as "500m", "2" or "1Gi"`,
        });
      }
      const { unit, least } = granularity(name);
      const each = alone ? value : (value / BigInt(running) / unit) * unit;
      if (section === 'limits' && value > 0n && each < least) {
        const fewest = quantityOf(name, least);
        throw new ConfigurationError(
          alone
            ? {
                path: own ?? `resources.limits.${name}`,
                message: `each step gets the Pod's ${quantity} of ${name}, less than the ${fewest} a container can run with; give the Pod more ${name}`,
              }
            : {
                path: own ?? `${engineConfigPath}.parallel`,
                message: `parallel steps share the Pod's ${quantity} of ${name}: ${running} steps leave each ${quantityOf(name, each)}, less than the ${fewest} a container can run with; run fewer steps at once, run them in order, or give the Pod more ${name}`,
              },
        );
      }
      return [name, alone ? quantity : quantityOf(name, each)] as const;
    });
    return Object.fromEntries(entries);
  };
  const limits = share('limits');
  const requests = share('requests');
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}
