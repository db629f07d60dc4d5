import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  ApiextensionsV1Api,
  type KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { InvalidCrdError } from './errors.js';
import { waitFor } from './poll.js';

const crdFile = (name: string) => fileURLToPath(new URL(`../crds/${name}`, import.meta.url));

/**
 * Test-only CRDs for the Tekton API, which the control plane does not run: `tekton.dev/v1`
 * PipelineRun and TaskRun with a status subresource and a schema that keeps unknown fields.
 */
export const tektonCrdFiles = {
  pipelineRun: crdFile('tekton.dev_pipelineruns.yaml'),
  taskRun: crdFile('tekton.dev_taskruns.yaml'),
} as const;

/**
 * The CRDs in a YAML text (one or more documents); anything else in it is an error. They come
 * back in client-node's model shape (e.g. `x_kubernetes_preserve_unknown_fields`), which is what its
 * typed API calls serialize: a plain YAML object would lose every field whose name differs.
 */
export function parseCrds(text: string, source: string): V1CustomResourceDefinition[] {
  const crds: V1CustomResourceDefinition[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new InvalidCrdError(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value = doc.toJS() as Partial<V1CustomResourceDefinition> | null;
    if (value === null) continue;
    if (
      value.apiVersion !== 'apiextensions.k8s.io/v1' ||
      value.kind !== 'CustomResourceDefinition' ||
      !value.metadata?.name ||
      !value.spec
    ) {
      throw new InvalidCrdError(
        `${source}: expected apiextensions.k8s.io/v1 CustomResourceDefinition documents with a name and spec`,
      );
    }
    crds.push(loadYaml<V1CustomResourceDefinition>(doc.toString()));
  }
  return crds;
}

export function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (
    crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false
  );
}

/**
 * Creates the CRDs in `files`, or updates those that exist, and waits until every one is
 * Established. Safe to call from several test files at once.
 */
export async function installCrds(
  kc: KubeConfig,
  files: readonly string[],
  timeoutMs = 60_000,
): Promise<void> {
  const crds = (
    await Promise.all(files.map(async (f) => parseCrds(await readFile(f, 'utf8'), f)))
  ).flat();
  await applyCrds(kc, crds, timeoutMs);
}

/** Creates or updates these CRDs and waits until every one is Established. */
export async function applyCrds(
  kc: KubeConfig,
  crds: readonly V1CustomResourceDefinition[],
  timeoutMs = 60_000,
): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) await apply(api, crd);
  await Promise.all(
    crds.map((crd) => {
      const name = crd.metadata?.name ?? '';
      return waitFor(
        `CRD ${name} Established`,
        async () => isEstablished(await api.readCustomResourceDefinition({ name })),
        { timeoutMs },
      );
    }),
  );
}

async function apply(api: ApiextensionsV1Api, crd: V1CustomResourceDefinition): Promise<void> {
  const name = crd.metadata?.name ?? '';
  for (let attempt = 1; ; attempt++) {
    try {
      try {
        await api.createCustomResourceDefinition({ body: crd });
        return;
      } catch (error) {
        if (!(error instanceof ApiException) || error.code !== 409) throw error;
      }
      const existing = await api.readCustomResourceDefinition({ name });
      await api.replaceCustomResourceDefinition({
        name,
        body: {
          ...crd,
          metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion },
        },
      });
      return;
    } catch (error) {
      // Another test file changed it between our read and write: read again.
      if (attempt >= 5 || !(error instanceof ApiException) || error.code !== 409) throw error;
    }
  }
}
