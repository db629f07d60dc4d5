import { type KubeObject, KubernetesApiError } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { expect, it, vi } from 'vitest';
import { executionAuthors } from '../support/execution-authors.js';
import { type StoredExecution, useController } from '../workflowexecution/controller-fixture.js';
import {
  eventsAbout,
  jobRegistry,
  type Manifest,
  manifest,
  patience,
} from '../workflowexecution/harness.js';

/*
 * What a WorkflowExecution author who may create and read executions in their own namespace,
 * and nothing else, gets out of the controller with input the schema lets through: each attack
 * is created by a minted non-admin user against the real API server and a running controller.
 */

/** A control, format or line-separator character: what a terminal acts on or hides. */
const unprintable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Every string in `value`, however deep. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(stringsOf);
}

describeWithControlPlane('a hostile WorkflowExecution author', () => {
  const cluster = useController('wfe-hostile');
  const { env, client } = cluster;

  const { author, create } = executionAuthors(env, client, 'wfe-hostile-author');

  it('puts terminal escapes in a parameter name: refused, quoted as escapes in the status and the Event, nothing created', async () => {
    await cluster.start({ registry: jobRegistry(env.kubeConfig) });
    const name = '\u001b]52;c;cm0gLXJmIC8K\u0007\nWarning Forged';
    const attack = manifest({ parameters: { REPLICAS: '3', [name]: 'x' } });
    await create(await author(), attack);
    const failed = await cluster.waitForStoredPhase(attack.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'ConfigurationError',
      message: expect.stringContaining(
        'spec.parameters.\\x1b]52;c;cm0gLXJmIC8K\\x07\\nWarning Forged: is not a valid parameter name',
      ),
    });
    // The summary's lines are the controller's own; the message inside them holds no break.
    const { naturalLanguageSummary, ...details } = failed.status?.failureDetails ?? {};
    for (const text of stringsOf([details, failed.status?.conditions])) {
      expect(text).not.toMatch(unprintable);
    }
    expect(naturalLanguageSummary?.replaceAll('\n', '')).not.toMatch(unprintable);
    const events = await vi.waitFor(async () => {
      const items = await eventsAbout(client(), env.namespace, attack.metadata.name);
      expect(items.map((e) => e.reason)).toContain('WorkflowFailed');
      return items as (KubeObject & { message?: string })[];
    }, patience);
    for (const event of events) expect(event.message).not.toMatch(unprintable);
    expect(await cluster.jobsOf(attack.metadata.name)).toEqual([]);
  });

  it('cannot run another image of a repository through executionBundleDigest when the operator allowed one fake-digest reference exactly', async () => {
    const allowed = 'registry.invalid/restart:1@sha256:abc123';
    await cluster.start({
      registry: jobRegistry(env.kubeConfig),
      policy: { bundles: [allowed], dependencyOptIn: false },
    });
    const base = manifest({ bundle: allowed });
    const attack: Manifest = {
      ...base,
      spec: {
        ...base.spec,
        workflowRef: {
          ...base.spec.workflowRef,
          executionBundleDigest: `sha256:${'b'.repeat(64)}`,
        },
      },
    };
    await create(await author(), attack);
    const failed = await cluster.waitForStoredPhase(attack.metadata.name, 'Failed');
    expect(failed.status?.failureDetails).toMatchObject({
      reason: 'Forbidden',
      message: expect.stringContaining('spec.workflowRef.executionBundleDigest'),
      wasExecutionFailure: false,
    });
    expect(await cluster.jobsOf(attack.metadata.name)).toEqual([]);
  });

  it('writes a status at create and to the status subresource: the first is dropped, the second refused, and the execution runs from its spec', async () => {
    await cluster.start({ registry: jobRegistry(env.kubeConfig, { runSeconds: 600 }) });
    const who = await author();
    const attack = manifest();
    const forged = {
      phase: 'Completed',
      completionTime: '2026-01-01T00:00:00Z',
      executionRef: { name: 'someone-elses-job' },
    };
    await create(who, { ...attack, status: forged } as KubeObject);
    const patched = await who
      .patch(
        workflowExecutions,
        env.namespace,
        attack.metadata.name,
        { status: forged },
        {
          subresource: 'status',
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(patched).toBeInstanceOf(KubernetesApiError);
    expect((patched as KubernetesApiError).statusCode).toBe(403);
    const running = await cluster.waitForStoredPhase(attack.metadata.name, 'Running');
    expect((running as StoredExecution).status?.executionRef?.name).not.toBe('someone-elses-job');
    await vi.waitFor(
      async () => expect(await cluster.jobsOf(attack.metadata.name)).toHaveLength(1),
      patience,
    );
  });
});
