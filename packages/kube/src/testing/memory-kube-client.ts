import {
  type Created,
  type CreateOptions,
  type DeleteOptions,
  KubeClient,
  type KubeObject,
  type ListOptions,
} from '../kube-client.js';
import { KubernetesApiError } from '../kubernetes-errors.js';
import { apiVersionOf, type ResourceOf, type ResourceType, resources } from '../resources.js';
import type { WatchEvent, WatchOptions } from '../watch-stream.js';
import { matchesSelectors } from './selectors.js';
import { UnsupportedByMemoryKubeClient } from './unsupported.js';

// No cluster: every request the double does not answer itself is overridden below, so none
// reaches the connection pool.
const noCluster = { getCurrentCluster: () => null, applyToHTTPSOptions: async () => {} };

/** How a `MemoryKubeClient` stamps what it stores. */
export interface MemoryKubeClientOptions {
  /** The API server's clock, read for `metadata.creationTimestamp`; `new Date()` by default. */
  readonly now?: (() => Date) | undefined;
  /**
   * Resources whose API has a status subresource, beside the built-in ones that have it (Pods,
   * Jobs, Deployments, PipelineRuns, TaskRuns): a custom resource whose CRD declares
   * `subresources.status`.
   */
  readonly statusSubresources?: readonly ResourceType[] | undefined;
}

/**
 * A `KubeClient` that keeps objects in memory, for unit tests of an engine: hand it to the
 * executor where a client goes, then write what the resource's controller would (`setStatus`,
 * `put`) and read what the engine wrote (`object`).
 *
 * It models `create`, `get`, `list` and `delete` as the API server answers them for a plain
 * client: objects by resource, namespace and name; `AlreadyExists` (409) for a taken name and
 * `Invalid` (422) for neither a name nor a `generateName`, which it completes with 5 random
 * characters as the server does; a uid and an increasing resourceVersion on every write, and a
 * creationTimestamp (RFC 3339, whole seconds, from the `now` option) on an object's first;
 * `list` by namespace (all of them when undefined) and by the selectors `matchesSelectors`
 * judges; `delete` with its uid and resourceVersion preconditions (`Conflict`, 409). A create
 * of a resource with a status subresource (see `MemoryKubeClientOptions.statusSubresources`)
 * drops the status given, as those resources' create strategies do; a create of a custom
 * resource, or of a built-in that has one (a Pod, a Job, a Deployment), sets
 * `metadata.generation` to 1; the status a server then writes itself (a Pod's `phase:
 * Pending`) is left to the test (`setStatus`). Every read and write is a copy.
 *
 * Not a substitute for a real API server, and integration tests need one
 * (`@roundhouse/testenv`): there is no validation, defaulting, admission, RBAC, quota or
 * server-side apply; no controller (a Job makes no Pods, a PipelineRun no TaskRuns); a delete
 * removes the object at once, whatever its finalizers or owners; aborted signals and
 * timeouts are ignored. `patch`, `replace`, `watch`, `logs`, discovery and subresource creates
 * throw `UnsupportedByMemoryKubeClient`.
 */
export class MemoryKubeClient extends KubeClient {
  readonly #objects = new Map<string, KubeObject>();
  readonly #now: () => Date;
  readonly #statusSubresources: ReadonlySet<string>;
  #writes = 0;

  constructor(options: MemoryKubeClientOptions = {}) {
    super(noCluster);
    this.#now = options.now ?? (() => new Date());
    this.#statusSubresources = new Set(
      [...builtInStatusSubresources, ...(options.statusSubresources ?? [])].map(resourceKey),
    );
  }

  /** A copy of the stored object, or undefined when there is none. */
  object<T extends KubeObject = KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): T | undefined {
    const stored = this.#objects.get(keyOf(type, namespace, name));
    return stored === undefined ? undefined : (structuredClone(stored) as T);
  }

  /**
   * Stores the object as given (a copy), replacing any of its name, as another client or a
   * controller would write it; the API server's checks are skipped, its stamps are not.
   */
  put<T extends KubeObject>(type: ResourceType, namespace: string | undefined, object: T): T {
    const name = object.metadata?.name;
    if (!name) throw new TypeError('MemoryKubeClient.put: the object has no metadata.name');
    return this.#store(type, namespace, name, object);
  }

  /** Replaces the stored object's status, as the resource's controller writes it. */
  setStatus(type: ResourceType, namespace: string | undefined, name: string, status: object): void {
    const stored = this.#objects.get(keyOf(type, namespace, name));
    if (!stored) throw notFound(type, name);
    this.#store(type, namespace, name, { ...stored, status });
  }

  override async create<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    body: T,
    options: CreateOptions = {},
  ): Promise<Created<T>> {
    if (options.subresource !== undefined) {
      throw new UnsupportedByMemoryKubeClient(`a create of a ${type.kind} subresource`);
    }
    const name = body.metadata?.name || this.#generatedName(type, namespace, body);
    if (!name) {
      throw new KubernetesApiError(
        'Invalid',
        `${type.kind} "": metadata.name: Required value: name or generateName is required`,
        422,
      );
    }
    if (this.#objects.has(keyOf(type, namespace, name))) {
      throw new KubernetesApiError(
        'AlreadyExists',
        `${type.plural}${type.group ? `.${type.group}` : ''} "${name}" already exists`,
        409,
      );
    }
    // The API server assigns the uid and the creation time; those in the body are ignored.
    const metadata = { ...body.metadata, uid: undefined, creationTimestamp: undefined };
    const { status: _dropped, ...withoutStatus } = body;
    const stamped = stampsGeneration(type) ? { ...metadata, generation: 1 } : metadata;
    // The object as the server answers it: without the status a `T` may declare, as it is.
    const stored: T = this.#statusSubresources.has(resourceKey(type))
      ? ({ ...withoutStatus, metadata: stamped } as T)
      : { ...body, metadata: stamped };
    const object = this.#store(type, namespace, name, stored);
    return { object, warnings: [] };
  }

  override async get<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    name: string,
  ): Promise<T | null> {
    return this.object<T>(type, namespace, name) ?? null;
  }

  override async list<T extends KubeObject>(
    type: ResourceOf<T>,
    namespace: string | undefined,
    options: ListOptions = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    // Undefined lists a namespaced resource in every namespace, as the API server does.
    const scope =
      type.namespaced && namespace === undefined
        ? `${type.group}/${type.plural}/`
        : keyOf(type, namespace, '');
    const items = [...this.#objects.entries()]
      .filter(([key]) => key.startsWith(scope))
      .map(([, object]) => object)
      .filter((object) => matchesSelectors(object, options))
      .map((object) => structuredClone(object) as T);
    const { transform } = options;
    return {
      items: transform ? items.map((item) => transform(item) as T) : items,
      resourceVersion: String(this.#writes),
    };
  }

  override async delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): Promise<boolean> {
    const key = keyOf(type, namespace, name);
    const stored = this.#objects.get(key);
    if (!stored) return false;
    const { uid, resourceVersion } = options.preconditions ?? {};
    if (
      (uid !== undefined && uid !== stored.metadata?.uid) ||
      (resourceVersion !== undefined && resourceVersion !== stored.metadata?.resourceVersion)
    ) {
      throw new KubernetesApiError(
        'Conflict',
        `Precondition failed for ${type.kind} ${name}: the object's uid or resourceVersion differs`,
        409,
      );
    }
    return this.#objects.delete(key);
  }

  override async patch(..._call: Parameters<KubeClient['patch']>): Promise<never> {
    throw new UnsupportedByMemoryKubeClient('patch');
  }

  override async replace(..._call: Parameters<KubeClient['replace']>): Promise<never> {
    throw new UnsupportedByMemoryKubeClient('replace');
  }

  override async watch<T extends KubeObject>(
    _type: ResourceOf<T>,
    _namespace: string | undefined,
    _onEvent: (event: WatchEvent<T>) => void,
    _options: WatchOptions,
  ): Promise<never> {
    throw new UnsupportedByMemoryKubeClient('watch');
  }

  override async isServed(..._call: Parameters<KubeClient['isServed']>): Promise<never> {
    throw new UnsupportedByMemoryKubeClient('discovery');
  }

  override async discoverApiResources(
    ..._call: Parameters<KubeClient['discoverApiResources']>
  ): Promise<never> {
    throw new UnsupportedByMemoryKubeClient('discovery');
  }

  // biome-ignore lint/correctness/useYield: it fails before its first line, as the real one fails to open
  override async *logs(..._call: Parameters<KubeClient['logs']>): AsyncGenerator<string> {
    throw new UnsupportedByMemoryKubeClient('logs');
  }

  /** `generateName` and 5 random characters, drawn again while the name is taken. */
  #generatedName(type: ResourceType, namespace: string | undefined, body: KubeObject) {
    const prefix = body.metadata?.generateName?.slice(0, maxGenerateNamePrefix);
    if (!prefix) return undefined;
    for (;;) {
      const suffix = Array.from(
        { length: 5 },
        () => nameAlphabet[Math.floor(Math.random() * nameAlphabet.length)],
      ).join('');
      if (!this.#objects.has(keyOf(type, namespace, prefix + suffix))) return prefix + suffix;
    }
  }

  #store<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    object: T,
  ): T {
    this.#writes += 1;
    const previous = this.#objects.get(keyOf(type, namespace, name));
    const stored = {
      ...object,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...object.metadata,
        name,
        ...(type.namespaced ? { namespace } : {}),
        uid: object.metadata?.uid ?? `uid-${this.#writes}`,
        resourceVersion: String(this.#writes),
        creationTimestamp:
          object.metadata?.creationTimestamp ??
          previous?.metadata?.creationTimestamp ??
          rfc3339Seconds(this.#now()),
      },
    };
    this.#objects.set(keyOf(type, namespace, name), structuredClone(stored));
    return structuredClone(stored);
  }
}

// The built-in resources whose API serves a status subresource, so a create drops the status.
const builtInStatusSubresources = [
  resources.pods,
  resources.jobs,
  resources.deployments,
  resources.pipelineRuns,
  resources.taskRuns,
];

const resourceKey = (type: ResourceType) => `${type.group}/${type.plural}`;

// The built-in resources whose create strategy sets `metadata.generation` to 1; the others
// (Secrets, ConfigMaps, Nodes, Services, Leases, ...) carry none.
const builtInsWithGeneration = new Set([
  ...[
    resources.pods,
    resources.jobs,
    resources.deployments,
    resources.customResourceDefinitions,
    resources.validatingAdmissionPolicies,
    resources.validatingAdmissionPolicyBindings,
  ].map(resourceKey),
  'apps/statefulsets',
  'apps/replicasets',
  'apps/daemonsets',
  'batch/cronjobs',
  'policy/poddisruptionbudgets',
  'networking.k8s.io/ingresses',
  'networking.k8s.io/networkpolicies',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
]);

/**
 * Whether a create stamps `metadata.generation`: a built-in's strategy decides, and
 * apiextensions' strategy stamps every custom resource, status subresource or not. A custom
 * resource's group has a dot and is not one of Kubernetes' own (`*.k8s.io`); the few CRDs
 * served under `k8s.io` (the Gateway API) are missed.
 */
const stampsGeneration = (type: ResourceType) =>
  builtInsWithGeneration.has(resourceKey(type)) ||
  (type.group.includes('.') && !type.group.endsWith('.k8s.io'));

// The API server's name generator: 5 characters from an alphabet without vowels or confusable
// digits, after a prefix cut so the name stays within 63 characters.
const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxGenerateNamePrefix = 58;

// The API server writes times in RFC 3339 with whole seconds.
const rfc3339Seconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

// Cluster-scoped objects have no namespace, whatever a caller passes.
const keyOf = (type: ResourceType, namespace: string | undefined, name: string) =>
  `${type.group}/${type.plural}/${type.namespaced ? (namespace ?? '') : ''}/${name}`;

const notFound = (type: ResourceType, name: string) =>
  new KubernetesApiError(
    'NotFound',
    `${type.plural}${type.group ? `.${type.group}` : ''} "${name}" not found`,
    404,
  );
