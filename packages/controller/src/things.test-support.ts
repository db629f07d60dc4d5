/**
 * A namespaced custom resource for the unit tests of the write helpers (finalizers, status).
 * Not shipped: the build leaves out `*.test-support.ts`.
 */
import type { ResourceType } from '@roundhouse/kube';

export const things: ResourceType = {
  group: 'x',
  version: 'v1',
  kind: 'Thing',
  plural: 'things',
  namespaced: true,
};
