import { KubeClient, type KubeObject } from '@roundhouse/kube';
import type { TestNamespace } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, vi } from 'vitest';
import { grantRole } from '../security/rbac-grant.js';
import type { StoredExecution } from '../workflowexecution/controller-fixture.js';
import { type Manifest, patience } from '../workflowexecution/harness.js';

export interface ExecutionAuthors {
  /** A new user who may create and read WorkflowExecutions in the test namespace, nothing more. */
  author(): Promise<KubeClient>;
  /** Creates `object` as `who` once RBAC has settled, and returns it as stored. */
  create(who: KubeClient, object: KubeObject): Promise<KubeObject>;
  /**
   * Creates each attack as a new author and checks that it failed with `reason` naming `field`,
   * not counted as an execution failure, with nothing created for it (`createdFor`).
   */
  expectRefused(
    attacks: readonly Attack[],
    waitForStoredPhase: (name: string, phase: string) => Promise<StoredExecution>,
    createdFor: (name: string) => Promise<readonly unknown[]>,
  ): Promise<void>;
}

/** An execution an author creates, and the refusal it must meet. */
export interface Attack {
  readonly attack: Manifest;
  readonly reason: string;
  readonly field: string;
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
  const authors: ExecutionAuthors = {
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
    async expectRefused(attacks, waitForStoredPhase, createdFor) {
      const who = await authors.author();
      for (const { attack } of attacks) await authors.create(who, attack);
      for (const { attack, reason, field } of attacks) {
        const failed = await waitForStoredPhase(attack.metadata.name, 'Failed');
        expect(failed.status?.failureDetails, attack.metadata.name).toMatchObject({
          reason,
          message: expect.stringContaining(field),
          wasExecutionFailure: false,
        });
        expect(await createdFor(attack.metadata.name), attack.metadata.name).toEqual([]);
      }
    },
  };
  return authors;
}
