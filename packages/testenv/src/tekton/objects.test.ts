import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  configMapFor,
  controllerArgs,
  controllerEnv,
  resolversEnv,
  tektonNamespaces,
  withOptionalResolutionStatus,
  withoutConversionWebhook,
} from './objects.js';

describe('Tekton release objects for the test control plane', () => {
  it('drop the conversion webhook from CRDs, since no webhook runs', () => {
    const crd = {
      metadata: { name: 'pipelineruns.tekton.dev' },
      spec: { group: 'tekton.dev', conversion: { strategy: 'Webhook' } },
    } as unknown as V1CustomResourceDefinition;
    expect(withoutConversionWebhook(crd).spec).toEqual({ group: 'tekton.dev' });
  });

  it('make ResolutionRequest status fields optional, so a failed resolution can be recorded', () => {
    const version = (name: string) => ({
      name,
      served: true,
      storage: name === 'v1beta1',
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: { type: 'object' },
            status: { type: 'object', required: ['data', 'refSource', 'source'] },
          },
        },
      },
    });
    const crd = {
      metadata: { name: 'resolutionrequests.resolution.tekton.dev' },
      spec: { group: 'resolution.tekton.dev', versions: [version('v1alpha1'), version('v1beta1')] },
    } as unknown as V1CustomResourceDefinition;
    const statuses = withOptionalResolutionStatus(crd).spec.versions.map(
      (v) => v.schema?.openAPIV3Schema?.properties?.status,
    );
    expect(statuses).toEqual([{ type: 'object' }, { type: 'object' }]);
    const other = { ...crd, metadata: { name: 'pipelineruns.tekton.dev' } };
    expect(withOptionalResolutionStatus(other)).toBe(other);
  });

  it('turn metrics and tracing off and place ConfigMaps in the given namespace', () => {
    const cm = configMapFor(
      {
        kind: 'ConfigMap',
        metadata: { name: 'config-observability', namespace: 'elsewhere', labels: { a: 'b' } },
        data: { 'metrics-protocol': 'prometheus', other: 'kept' },
      },
      tektonNamespaces.resolvers,
    );
    expect(cm).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'config-observability',
        namespace: 'tekton-pipelines-resolvers',
        labels: { a: 'b' },
      },
      data: { 'metrics-protocol': 'none', 'tracing-protocol': 'none', other: 'kept' },
    });
  });

  it('give the controller every image flag Tekton requires, with names nothing pulls', () => {
    expect(controllerArgs('/k')).toEqual([
      '-kubeconfig=/k',
      '-entrypoint-image=testenv.invalid/tekton/entrypoint:v1',
      '-nop-image=testenv.invalid/tekton/nop:v1',
      '-sidecarlogresults-image=testenv.invalid/tekton/sidecarlogresults:v1',
      '-workingdirinit-image=testenv.invalid/tekton/workingdirinit:v1',
      '-shell-image=testenv.invalid/tekton/shell:v1',
      '-shell-image-win=testenv.invalid/tekton/shell-win:v1',
    ]);
  });

  it('run each process in the namespace of its release Deployment', () => {
    expect(controllerEnv().SYSTEM_NAMESPACE).toBe('tekton-pipelines');
    expect(resolversEnv().SYSTEM_NAMESPACE).toBe('tekton-pipelines-resolvers');
  });
});
