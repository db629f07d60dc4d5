/**
 * The API server's rules for the resources of a container, as kube-apiserver applies them when a
 * Pod (or a Job's template) is created (pkg/apis/core/validation ValidateResourceRequirements,
 * validateContainerResourceName, ValidateResourceQuantityValue, and the helpers they call): what
 * breaks one of them is refused with a 422 after the execution was accepted, so it is refused
 * here first, naming the execution's field.
 */

import { type ExactQuantity, exactQuantity } from './quantity.js';

/** The quantity rounded up to a multiple of 1/`per` (Quantity's ScaledValue rounds up). */
function scaledUp({ n, d }: ExactQuantity, per: bigint): bigint {
  return (n * per + d - 1n) / d;
}

/** Whether a quantity is whole as the API server counts it: its milli-value a multiple of 1000. */
function isWhole(quantity: ExactQuantity): boolean {
  return scaledUp(quantity, 1000n) % 1000n === 0n;
}

const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);
const hugePagesPrefix = 'hugepages-';
/** ResourceQuota's prefix, which an extended resource's name may not start with. */
const quotaRequestsPrefix = 'requests.';

/**
 * A resource of kubernetes.io's own (helper.IsNativeResource): named without a domain, or under
 * `kubernetes.io/`. The API server takes any such name with a domain; the scheduler places a pod
 * asking for one only on a node that advertises it, and a node may advertise any.
 */
function isNative(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

export function isHugePages(name: string): boolean {
  return name.startsWith(hugePagesPrefix);
}

/**
 * Whether a request for the resource may be below its limit (helper.IsOvercommitAllowed): only
 * kubernetes.io's own, hugepages aside. An extended resource (`nvidia.com/gpu`) or hugepages are
 * handed out whole, so a request for them needs a limit, and the same one.
 */
export function mayOvercommit(name: string): boolean {
  return isNative(name) && !isHugePages(name);
}

/** Whether the resource is cpu or memory, which hugepages need beside them. */
export function isCpuOrMemory(name: string): boolean {
  return name === 'cpu' || name === 'memory';
}

/**
 * What is wrong with a container asking for `quantity` of the resource `name` (a name that
 * already follows the qualified-name grammar), with the fix; undefined when the API server takes
 * it.
 */
export function resourceProblem(name: string, quantity: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash < 0) {
    if (!standardContainerResources.has(name) && !isHugePages(name)) {
      return `${name} is not a resource a container can ask for: ask for cpu, memory, ephemeral-storage or hugepages-<page size>, or for an extended resource by its domain (example.com/${name})`;
    }
  } else if (slash > 253) {
    return `the domain of ${name} is longer than 253 characters`;
  } else if (!isNative(name)) {
    // The API server checks an extended resource's name as ResourceQuota would name it.
    if (name.startsWith(quotaRequestsPrefix) || slash + quotaRequestsPrefix.length > 253) {
      return `${name} is no extended resource name: it may not start with "${quotaRequestsPrefix}" nor have a domain longer than ${253 - quotaRequestsPrefix.length} characters; use the name the device plugin advertises`;
    }
  }
  const value = exactQuantity(quantity);
  if (value === undefined) return undefined;
  if (!isNative(name) && !isWhole(value)) {
    return `${quantity} is not a whole number, and ${name}, an extended resource, is handed out in whole units; ask for 1, 2 or more`;
  }
  if (isHugePages(name)) {
    const page = exactQuantity(name.slice(hugePagesPrefix.length));
    if (page === undefined || page.n === 0n || !isWhole(page)) {
      return `${name} names no page size: use the size of a page the nodes have, as in hugepages-2Mi or hugepages-1Gi`;
    }
    const size = scaledUp(page, 1n);
    if (scaledUp(value, 1n) % size !== 0n) {
      return `${quantity} of ${name} is not a whole number of ${name.slice(hugePagesPrefix.length)} pages; ask for a multiple of the page size`;
    }
  }
  return undefined;
}
