import { kubernautConventions, Registry, type WorkflowExecution } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { type KubeObject, resources } from '@roundhouse/kube';
import { podControls } from '@roundhouse/testenv/vitest';
import { expect } from 'vitest';
import type { ControllerFixture } from './controller-fixture.js';
import type { Manifest } from './harness.js';

/*
 * What kubernaut's job-engine suites (its integration and E2E cases, ported in
 * kubernaut-job-*.test.ts) share: a controller with the kubernaut preset running Jobs, the Jobs
 * found by `kubernaut.ai/workflow-execution` as those suites find them, and what both check of
 * an execution's one Job.
 */

type Container = {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};

/** A Job as kubernaut's job cases read it. */
export type KubernautJob = KubeObject & {
  spec: {
    backoffLimit?: number;
    template: {
      spec: {
        restartPolicy?: string;
        containers: Container[];
        volumes?: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
      };
    };
  };
  status?: { failed?: number };
};

/** The controller and Jobs of a kubernaut job suite over `cluster`. */
export function kubernautJobs(cluster: ControllerFixture) {
  const jobsOf = async (wfeName: string) => {
    const { items } = await cluster
      .client()
      .list<KubernautJob>(resources.jobs, cluster.executionNamespace, {
        labelSelector: `kubernaut.ai/workflow-execution=${wfeName}`,
      });
    return items;
  };
  /** Starts a controller whose Jobs' pods carry `podAnnotations`, the fake node's controls. */
  const start = (podAnnotations: Record<string, string>) =>
    cluster.start({
      registry: (reader) =>
        new Registry().register(
          new JobExecutor(cluster.client(), {
            conventions: kubernautConventions,
            podAnnotations,
            reader,
          }),
        ),
      cooldownMs: 60_000,
      // kubernaut reads no opt-in on its dependencies.
      policy: { bundles: ['registry.invalid/*'], dependencyOptIn: false },
    });

  return {
    jobsOf,
    start,

    /**
     * The one Job of the Running execution `running`, its executionRef, with kubernaut's labels
     * for `workflowId`, no retry and one container, and that container's environment.
     */
    async onlyJobOf(running: WorkflowExecution, workflowId: string) {
      const jobs = await jobsOf(running.metadata.name);
      expect(jobs).toHaveLength(1);
      const [job] = jobs as [KubernautJob];
      expect(running.status?.executionRef?.name).toBe(job.metadata?.name);
      expect(job.metadata?.labels).toMatchObject({
        'kubernaut.ai/workflow-execution': running.metadata.name,
        'kubernaut.ai/workflow-id': workflowId,
        'kubernaut.ai/execution-engine': 'job',
      });
      expect(job.spec.backoffLimit).toBe(0);
      expect(job.spec.template.spec.containers).toHaveLength(1);
      const [container] = job.spec.template.spec.containers as [Container];
      const variables = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
      return { job, container, variables };
    },

    /**
     * Starts a controller whose Jobs' pods run for the whole test and applies `execution`;
     * once it runs, deletes its Job as someone else would. The execution once Failed.
     */
    async failedOnceJobDeleted(execution: Manifest) {
      await start({ [podControls.runSeconds]: '600' });
      const { name } = (await cluster.apply(execution)).metadata;
      const running = await cluster.waitForPhase(name, 'Running');
      await cluster
        .client()
        .delete(
          resources.jobs,
          cluster.executionNamespace,
          running.status?.executionRef?.name as string,
          { propagationPolicy: 'Background' },
        );
      return cluster.waitForPhase(name, 'Failed');
    },
  };
}
