import { fileURLToPath } from 'node:url';
import type { KubeObject, ResourceType } from '@roundhouse/kube';

/** The test-only Widget custom resource (fixtures/widgets.yaml). */
export const widgets: ResourceType = Object.freeze({
  group: 'test.roundhouse.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
});

export const widgetCrd = fileURLToPath(new URL('./fixtures/widgets.yaml', import.meta.url));

export type Widget = KubeObject & {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

let sequence = 0;

/** A fresh Widget body with a unique name. */
export function widget(spec: Record<string, unknown> = {}, prefix = 'w'): Widget {
  sequence += 1;
  return { metadata: { name: `${prefix}-${sequence}-${Date.now().toString(36)}` }, spec };
}

export const patience = { timeout: 30_000, interval: 100 };
