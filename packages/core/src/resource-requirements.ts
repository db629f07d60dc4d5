import { z } from 'zod';
import { ConfigurationError, ExecutionForbiddenError } from './errors.js';
import { compareExact, exactQuantity, quantityPattern } from './quantity.js';
import {
  isCpuOrMemory,
  isHugePages,
  mayOvercommit,
  resourceProblem,
} from './resource-requirements-rules.js';

/** `cpu`, `memory`, `ephemeral-storage`, `hugepages-2Mi`, or an extended `example.com/gpu`. */
const resourceNamePattern =
  /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/**
 * A quantity as a manifest writes it: a string, or a whole number (YAML's `cpu: 2`), which a
 * Quantity field takes as int-or-string, as kubernaut's CRD does; read as its string.
 */
const quantityError = 'must be a quantity such as "500m", 2 or "1Gi"';
const QuantitySchema = z
  .union(
    [
      z.string().max(64, { error: quantityError }).regex(new RegExp(quantityPattern), {
        error: quantityError,
      }),
      z.int({ error: quantityError }).nonnegative({ error: quantityError }),
    ],
    { error: quantityError },
  )
  .transform((quantity) => String(quantity));

/** A container asks for a handful of resources; 16 leaves room for extended ones. */
const resourcesMaxCount = 16;

/** A resource list in the grammar: any name a ResourceList key may have, any quantity. */
const ResourceListSchema = z
  .record(
    z.string().max(317).regex(resourceNamePattern, {
      error: 'must be a resource name such as "cpu", "memory" or "example.com/gpu"',
    }),
    QuantitySchema,
  )
  .refine((list) => Object.keys(list).length <= resourcesMaxCount, {
    error: `at most ${resourcesMaxCount} resources`,
  })
  .meta({ maxProperties: resourcesMaxCount });

/** What the API server refuses in one resource of a container's list (`resourceProblem`). */
const ContainerResourceListSchema = ResourceListSchema.superRefine((list, context) => {
  for (const [name, quantity] of Object.entries(list)) {
    const problem = resourceProblem(name, quantity);
    if (problem) context.addIssue({ code: 'custom', path: [name], message: problem });
  }
});

/**
 * A container's requests and limits as kube-apiserver takes each resource in them: what an
 * engine is configured with (the controller's `--*-resource-limits` settings), checked when the
 * controller starts. `claims` names ResourceClaims of the pod, which an execution's pod never
 * declares, so it is refused as an unknown field.
 */
export const ResourceRequirementsSchema = z.strictObject({
  limits: ContainerResourceListSchema.optional(),
  requests: ContainerResourceListSchema.optional(),
});

/**
 * corev1.ResourceRequirements as kubernaut's `workflowRef.resources` carries it (BR-WE-019):
 * requests and limits of any resource name and quantity in the grammar, as kubernaut's CRD
 * takes them. Only an engine that puts them into a container checks them as the API server
 * would (`executionResources`): an engine that ignores them (tekton, awx) warns that they are
 * unused, and an execution stored with them parses as it did.
 */
export const WorkflowRefResourcesSchema = z.strictObject({
  limits: ResourceListSchema.optional(),
  requests: ResourceListSchema.optional(),
});

export type ResourceRequirements = z.infer<typeof WorkflowRefResourcesSchema>;

/** What an engine is configured with: client-node's V1ResourceRequirements fits. */
export interface ResourceDefaults {
  readonly limits?: Readonly<Record<string, string>> | undefined;
  readonly requests?: Readonly<Record<string, string>> | undefined;
}

/**
 * How the API server checks the Pod the resources go into. A Job's template is validated when
 * the Job is created, as it is; a bare Pod only after the namespace's LimitRanges (the
 * LimitRanger admission plugin, which mutates Pods and nothing else, before validation) gave each
 * container the limits and requests it lacks from their defaults.
 */
export interface ResourceAdmission {
  readonly limitRangeDefaults?: boolean | undefined;
}

/**
 * The container resources of an execution that asks for `requested` from an engine configured
 * with `defaults`: the execution's requests and limits replace the engine's resource by
 * resource, and the engine's limits are ceilings the execution may not ask past (an operator's
 * memory limit is a guard, not a suggestion). Once the engine has any limit, its limits are
 * also the only resources an execution may ask for: an operator who capped cpu and memory has
 * not granted GPUs, hugepages or unbounded ephemeral storage. With no limits at all, what the
 * execution asks for passes as in kubernaut. What the API server would refuse is refused here,
 * before anything is created, rather than by the API server when the pod is made: a resource
 * it refuses alone (`resourceProblem`: the schema takes any name, as kubernaut's CRD does, since
 * only the engines that call this put the resources into a container), a request above its
 * limit or differing from it for a resource handed out whole; and, unless a LimitRange's
 * defaults may still supply them (`admission`), a request for a resource handed out whole
 * (extended ones, hugepages) without a limit, or hugepages without cpu or memory.
 */
export function executionResources(
  requested: ResourceRequirements | undefined,
  defaults: ResourceDefaults | undefined,
  admission: ResourceAdmission = {},
): ResourceDefaults | undefined {
  if (requested === undefined) return defaults;
  const path = 'spec.workflowRef.resources';
  const problems = (['limits', 'requests'] as const).flatMap((section) =>
    Object.entries(requested[section] ?? {}).flatMap(([name, quantity]) => {
      const message = resourceProblem(name, quantity);
      return message ? [{ path: `${path}.${section}.${name}`, message }] : [];
    }),
  );
  if (problems.length) throw new ConfigurationError(problems);
  const ceilings = defaults?.limits ?? {};
  const allowed = Object.keys(ceilings);
  for (const section of ['limits', 'requests'] as const) {
    for (const [name, quantity] of Object.entries(requested[section] ?? {})) {
      const ceiling = ceilings[name];
      if (ceiling === undefined) {
        if (allowed.length === 0) continue;
        throw new ExecutionForbiddenError(
          `${path}.${section}.${name}`,
          `this engine sets no limit for ${name}, so an execution may not ask for it; ask only for ${allowed.join(', ')}, or ask the operator to give the engine a limit for ${name}`,
        );
      }
      // The kubelet reads a limit of 0 as none at all: past any ceiling, not below it.
      if (section === 'limits' && exactQuantity(quantity)?.n === 0n) {
        throw new ExecutionForbiddenError(
          `${path}.limits.${name}`,
          `a limit of ${quantity} ${name} means no limit to the kubelet, and this engine allows an execution at most ${ceiling}; ask for a quantity above 0`,
        );
      }
      if (exceeds(quantity, ceiling)) {
        throw new ExecutionForbiddenError(
          `${path}.${section}.${name}`,
          `${quantity} of ${name} is more than the ${ceiling} this engine allows an execution; ask for less, or ask the operator to raise the engine's limit`,
        );
      }
    }
  }
  const limits = { ...defaults?.limits, ...requested.limits };
  const requests = { ...defaults?.requests, ...requested.requests };
  const field = (name: string) =>
    requested.requests?.[name] !== undefined ? 'requests' : 'limits';
  for (const [name, quantity] of Object.entries(requests)) {
    const limit = limits[name];
    if (limit === undefined) {
      // A LimitRange's default limit, the same or not, is the API server's to weigh.
      if (mayOvercommit(name) || admission.limitRangeDefaults) continue;
      throw new ConfigurationError({
        path: `${path}.requests.${name}`,
        message: `a request for ${name} needs a limit of the same quantity: ${name} is handed out whole, never overcommitted; set limits.${name} to ${quantity} (a limit alone is also its request)`,
      });
    }
    if (!mayOvercommit(name) && !sameQuantity(quantity, limit)) {
      throw new ConfigurationError({
        path: `${path}.${field(name)}.${name}`,
        message: `the request for ${name} (${quantity}) differs from its limit (${limit}): ${name} is handed out whole, never overcommitted, so ask for the same quantity in both, or for the limit alone`,
      });
    }
    if (exceeds(quantity, limit)) {
      throw new ConfigurationError({
        path: `${path}.${field(name)}.${name}`,
        message: `the request for ${name} (${quantity}) is more than its limit (${limit}); a container may not request more than its limit`,
      });
    }
  }
  const named = [...Object.keys(limits), ...Object.keys(requests)];
  const hugePages = named.find(isHugePages);
  if (hugePages !== undefined && !named.some(isCpuOrMemory) && !admission.limitRangeDefaults) {
    const section = requested.limits?.[hugePages] !== undefined ? 'limits' : field(hugePages);
    throw new ConfigurationError({
      path: `${path}.${section}.${hugePages}`,
      message: `hugepages need a cpu or memory request or limit beside them, and none is set; ask for memory (or cpu) as well`,
    });
  }
  return {
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(Object.keys(requests).length ? { requests } : {}),
  };
}

/** `a` compared with `b` as the API server compares them; undefined when either is no quantity. */
function compareQuantities(a: string, b: string): number | undefined {
  const left = exactQuantity(a);
  const right = exactQuantity(b);
  return left === undefined || right === undefined ? undefined : compareExact(left, right);
}

function sameQuantity(a: string, b: string): boolean {
  return (compareQuantities(a, b) ?? 0) === 0;
}

function exceeds(quantity: string, bound: string): boolean {
  return (compareQuantities(quantity, bound) ?? 0) > 0;
}
