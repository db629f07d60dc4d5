import { KubeClient, type KubeObject } from '@roundhouse/kube';
import type { TestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { vi } from 'vitest';
import { grantRole } from '../security/rbac-grant.js';
import { patience } from '../workflowexecution/harness.js';

export interface ExecutionAuthors {
  /** A new user who may create and read WorkflowExecutions in the test namespace, nothing more. */
  author(): Promise<KubeClient>;
  /** Creates `object` as `who` once RBAC has settled, and returns it as stored. */
  create(who: KubeClient, object: KubeObject): Promise<KubeObject>;
}

/**
 * The hostile-author tests' attackers: minted non-admin users, each named `<prefix>-<n>`,
 * granted by `admin` through a Role of their own. A grant takes effect a moment later, so a
 * create is retried until RBAC lets it through.
 */
export function executionAuthors(
  env: TestNamespace,
  admin: () => KubeClient,
  prefix: string,
): ExecutionAuthors {
  let minted = 0;
  return {
    async author() {
      minted += 1;
      const name = `${prefix}-${minted}`;
      const user = `${env.namespace}-${name}`;
      await grantRole(admin(), env.namespace, {
        user,
        name,
        rules: [
          {
            apiGroups: ['roundhouse.dev'],
            resources: ['workflowexecutions'],
            verbs: ['create', 'get'],
          },
        ],
      });
      return new KubeClient(await env.userKubeConfig(user));
    },
    create(who, object) {
      return vi.waitFor(async () => {
        const { object: created } = await who.create(workflowExecutions, env.namespace, object);
        return created;
      }, patience);
    },
  };
}
