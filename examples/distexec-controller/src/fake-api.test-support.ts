import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { KubernetesApiError } from '@roundhouse/kube';

/**
 * One DistExec as the API server keeps it, for reconciler tests: merge patches apply (to the
 * status with `subresource: 'status'`), every write moves the resourceVersion on, and a write
 * carrying an older resourceVersion is refused with a Conflict. Reads are counted.
 */
export class FakeDistExecApi {
  stored: KubeObject;
  reads = 0;
  writes = 0;

  constructor(object: KubeObject) {
    this.stored = object;
  }

  /** A change made by someone else (a spec edit): the resourceVersion moves on. */
  change(edit: (object: KubeObject) => KubeObject): void {
    this.stored = this.#bump(edit(this.stored));
  }

  get client(): KubeClient {
    const api = this;
    return {
      async get() {
        api.reads += 1;
        return api.stored;
      },
      async patch(
        _type: unknown,
        _namespace: unknown,
        _name: unknown,
        body: { metadata?: Record<string, unknown>; status?: unknown },
        options: { subresource?: string } = {},
      ) {
        api.writes += 1;
        const { resourceVersion, ...metadata } = body.metadata ?? {};
        if (
          resourceVersion !== undefined &&
          resourceVersion !== api.stored.metadata?.resourceVersion
        ) {
          throw new KubernetesApiError('Conflict', 'the object has been modified', 409);
        }
        api.stored = api.#bump(
          options.subresource === 'status'
            ? { ...api.stored, status: merge(api.stored.status, body.status) }
            : { ...api.stored, metadata: { ...api.stored.metadata, ...metadata } },
        );
        return api.stored;
      },
    } as unknown as KubeClient;
  }

  #bump(object: KubeObject): KubeObject {
    const version = Number(this.stored.metadata?.resourceVersion ?? 0) + 1;
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(version) } };
  }
}

/** RFC 7386: `null` removes a key, objects merge, anything else replaces. */
function merge(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = merge(result[key], value);
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
