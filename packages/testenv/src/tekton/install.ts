import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { applyCrds, parseCrds } from '../crds.js';
import type { TektonInstall } from './binaries.js';
import {
  configMapFor,
  tektonNamespaces,
  withOptionalResolutionStatus,
  withoutConversionWebhook,
} from './objects.js';

async function yamlFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  return names.map((n) => join(dir, n));
}

/** The ConfigMaps among the YAML documents in `dir` (the release mixes in other kinds). */
async function configMaps(dir: string): Promise<V1ConfigMap[]> {
  const found: V1ConfigMap[] = [];
  for (const file of await yamlFiles(dir)) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const value = doc.toJS() as V1ConfigMap | null;
      if (value?.kind === 'ConfigMap') found.push(value);
    }
  }
  return found;
}

async function createOrReplace(core: CoreV1Api, configMap: V1ConfigMap): Promise<void> {
  const namespace = configMap.metadata?.namespace ?? '';
  const name = configMap.metadata?.name ?? '';
  try {
    await core.createNamespacedConfigMap({ namespace, body: configMap });
  } catch (error) {
    if (!(error instanceof ApiException) || error.code !== 409) throw error;
    await core.replaceNamespacedConfigMap({ name, namespace, body: configMap });
  }
}

/**
 * Installs what Tekton's release installs before its Deployments start: the two namespaces, the
 * CRDs (Established) and the ConfigMaps its controller and resolvers read. RBAC is left out:
 * both run with the admin kubeconfig.
 */
export async function installTekton(kubeConfig: KubeConfig, install: TektonInstall): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  for (const name of Object.values(tektonNamespaces)) {
    try {
      await core.createNamespace({ body: { metadata: { name } } });
    } catch (error) {
      if (!(error instanceof ApiException) || error.code !== 409) throw error;
    }
  }
  const crdFiles = await yamlFiles(join(install.configDir, 'crds'));
  const crds = (
    await Promise.all(crdFiles.map(async (f) => parseCrds(await readFile(f, 'utf8'), f)))
  ).flat();
  await applyCrds(
    kubeConfig,
    crds.map((crd) => withOptionalResolutionStatus(withoutConversionWebhook(crd))),
  );
  const wanted = [
    ...(await configMaps(join(install.configDir, 'controller'))).map((c) =>
      configMapFor(c, tektonNamespaces.controller),
    ),
    ...(await configMaps(join(install.configDir, 'resolvers'))).map((c) =>
      configMapFor(c, tektonNamespaces.resolvers),
    ),
  ];
  for (const configMap of wanted) await createOrReplace(core, configMap);
}
