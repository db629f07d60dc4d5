/** The documents at the API root and `ping/`: fixed, since the simulator is one AWX node. */

import { UNSET_CAPACITY } from './capacity.js';

/** settings.CLUSTER_HOST_ID: the node `ping/` calls active and every view's `X-API-Node` names. */
export const CLUSTER_HOST_ID = 'awx-simulator';

/** get_awx_version(): what `ping/` says and AWX's `X-API-Product-Version` header repeats. */
export const AWX_VERSION = '24.6.1';

export function apiRoot(prefix: string): Record<string, string> {
  const names = [
    'ping',
    'me',
    'organizations',
    'credential_types',
    'credentials',
    'job_templates',
    'jobs',
    'workflow_jobs',
  ];
  return Object.fromEntries(names.map((name) => [name, `${prefix}${name}/`]));
}

/** `capacity`: the simulator's option, or UNSET_CAPACITY without one (capacity.ts). */
export function ping(capacity: number | undefined): Record<string, unknown> {
  const reported = capacity ?? UNSET_CAPACITY;
  return {
    ha: false,
    version: AWX_VERSION,
    active_node: CLUSTER_HOST_ID,
    install_uuid: '00000000-0000-4000-8000-000000000000',
    instances: [
      { node: CLUSTER_HOST_ID, node_type: 'hybrid', capacity: reported, version: AWX_VERSION },
    ],
    instance_groups: [{ name: 'default', capacity: reported, instances: [CLUSTER_HOST_ID] }],
  };
}
