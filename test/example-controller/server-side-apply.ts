import type { KubeConfig } from '@kubernetes/client-node';
import {
  type KubeObject,
  kubernetesErrorFromResponse,
  parseWarnings,
  queryString,
  type ResourceType,
  resourcePath,
  resources,
} from '@roundhouse/kube';
import {
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
} from '@roundhouse/workflowexecution';
import { Agent, fetch } from 'undici';

const rbac = (kind: string, plural: string, namespaced: boolean): ResourceType => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced,
});

/** Every kind the example's deploy/ holds; an object of another kind is a test to extend. */
const types: readonly ResourceType[] = [
  resources.namespaces,
  resources.serviceAccounts,
  resources.customResourceDefinitions,
  resources.deployments,
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true },
  rbac('ClusterRole', 'clusterroles', false),
  rbac('ClusterRoleBinding', 'clusterrolebindings', false),
  rbac('Role', 'roles', true),
  rbac('RoleBinding', 'rolebindings', true),
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
];

export function resourceTypeOf(object: KubeObject): ResourceType {
  const type = types.find(
    (t) =>
      (t.group ? `${t.group}/${t.version}` : t.version) === object.apiVersion &&
      t.kind === object.kind,
  );
  if (!type) throw new Error(`no resource type for ${object.apiVersion} ${object.kind}`);
  return type;
}

export interface Applied {
  readonly object: KubeObject;
  /** The API server's Warning headers, e.g. a Pod Security violation of a Deployment. */
  readonly warnings: string[];
}

/**
 * Server-side apply as `kubectl apply --server-side` sends it, optionally as a dry run
 * (`dryRun=All`: admission and validation run, nothing is stored). KubeClient has no dry-run
 * option, so this sends the request itself, with the kubeconfig's credentials.
 */
export class ServerSideApply {
  readonly #kubeConfig: KubeConfig;
  readonly #fieldManager: string;
  #agent: Agent | undefined;

  constructor(kubeConfig: KubeConfig, fieldManager: string) {
    this.#kubeConfig = kubeConfig;
    this.#fieldManager = fieldManager;
  }

  async apply(object: KubeObject, options: { dryRun?: boolean } = {}): Promise<Applied> {
    const type = resourceTypeOf(object);
    const { namespace, name } = object.metadata ?? {};
    const operation = `apply ${object.kind} ${[namespace, name].filter(Boolean).join('/')}`;
    const tls: Record<string, unknown> & { headers?: Record<string, string> } = {};
    await this.#kubeConfig.applyToHTTPSOptions(tls);
    this.#agent ??= new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } as never });
    const server = this.#kubeConfig.getCurrentCluster()?.server as string;
    const path =
      resourcePath(type, { namespace, name }) +
      queryString({
        fieldManager: this.#fieldManager,
        force: true,
        dryRun: options.dryRun ? 'All' : undefined,
      });
    const response = await fetch(`${server}${path}`, {
      method: 'PATCH',
      headers: {
        ...tls.headers,
        accept: 'application/json',
        'content-type': 'application/apply-patch+yaml',
      },
      body: JSON.stringify(object),
      dispatcher: this.#agent,
    });
    const text = await response.text();
    if (!response.ok) throw kubernetesErrorFromResponse(response.status, text, operation);
    return { object: JSON.parse(text), warnings: parseWarnings(response.headers.get('warning')) };
  }

  async close(): Promise<void> {
    await this.#agent?.close();
  }
}
