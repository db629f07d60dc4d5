import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger, roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCommandLine } from '../../examples/workflowexecution-controller/src/config.js';
import { buildRegistry } from '../../examples/workflowexecution-controller/src/registry.js';
import { executionAuthors } from '../support/execution-authors.js';
import { useController } from '../workflowexecution/controller-fixture.js';
import { manifest } from '../workflowexecution/harness.js';

/** What a template's own credential prints when a task fails; the execution injected none of it. */
const canary = 'template-own-vault-pw-9f2c';

/**
 * The example's AWX defaults as a namespace's author meets them: the controller's AWX user may
 * launch templates the operator never meant for authors, and a failed job's output may print
 * what the template's own credentials hold, which AWX shows only to users who may read the job.
 * So the example launches no template until listed, and keeps the output in AWX unless
 * `--awx-stdout-tail-bytes` asks for it.
 */
describeWithControlPlane('the example controller: what an AWX author reaches by default', () => {
  const cluster = useController('wfe-awx-author');
  const { env, client } = cluster;
  const { author, create, expectRefused } = executionAuthors(env, client, 'awx-author');
  let awx: AwxSimulator;

  beforeAll(async () => {
    awx = await startAwxSimulator();
    awx.state.addJobTemplate({
      name: 'rotate-db',
      askVariablesOnLaunch: true,
      schedule: {
        pendingMs: 20,
        runningMs: 100,
        outcome: 'failed',
        stdout: [
          'TASK [rotate] ****',
          `fatal: [db1]: FAILED! => {"msg": "login failed for admin/${canary}"}`,
          'PLAY RECAP ****',
        ],
      },
    });
    await client().create(resources.secrets, env.namespace, {
      metadata: { name: 'awx-token' },
      stringData: { token: awx.token },
    });
  });
  afterAll(async () => awx?.stop());

  /** Starts a controller with the example's ansible engine, as these flags configure it. */
  async function startWith(flags: string[]) {
    const line = parseCommandLine(
      [
        '--engines=ansible',
        `--awx-url=${awx.url}`,
        `--awx-api-prefix=${awx.apiPrefix}`,
        `--awx-token-secret=${env.namespace}/awx-token`,
        ...flags,
      ],
      {},
    );
    if (line.help) throw new Error('asked for help');
    const { registry, close } = await buildRegistry(line.config, {
      client: client(),
      reader: client(),
      conventions: roundhouseConventions,
      logger: noopLogger,
    });
    const controller = await cluster.start({
      registry,
      cooldownMs: 1_000,
      pollIntervalMs: { initial: 100, max: 500 },
    });
    return { controller, close };
  }

  /** An author's execution of `template`, failed, with the Events recorded on it. */
  async function failedRun(template: string) {
    const attack = manifest({
      engine: 'ansible',
      engineConfig: { jobTemplateName: template, playbookPath: 'site.yml' },
    });
    await create(await author(), attack);
    const failed = await cluster.waitForStoredPhase(attack.metadata.name, 'Failed');
    const events = await client().list<KubeObject & { message?: string; reason?: string }>(
      resources.events,
      env.namespace,
    );
    const recorded = events.items.filter(
      (event) =>
        (event as { involvedObject?: { name?: string } }).involvedObject?.name ===
        attack.metadata.name,
    );
    return { status: failed.status, events: recorded };
  }

  const jobsFor = async (name: string) =>
    awx.state.jobs().filter((job) => job.extraVars.includes(`"${name}"`));

  it('launches no template for an author until --awx-allowed-job-templates lists it', async () => {
    const { controller, close } = await startWith([]);
    try {
      await expectRefused(
        [
          {
            attack: manifest({
              engine: 'ansible',
              engineConfig: { jobTemplateName: 'rotate-db', playbookPath: 'site.yml' },
            }),
            reason: 'Forbidden',
            field: 'spec.workflowRef.engineConfig.jobTemplateName',
          },
        ],
        cluster.waitForStoredPhase,
        jobsFor,
      );
    } finally {
      await controller.stop();
      await close();
    }
  });

  it("keeps a failed job's output out of the status and Events by default", async () => {
    const { controller, close } = await startWith(['--awx-allowed-job-templates=*']);
    try {
      const { status, events } = await failedRun('rotate-db');
      expect(status?.failureDetails).toMatchObject({
        reason: 'TaskFailed',
        message: expect.stringContaining('AWX job'),
      });
      expect(events.map((event) => event.reason)).toContain('WorkflowFailed');
      expect(JSON.stringify(status)).not.toContain(canary);
      expect(JSON.stringify(events)).not.toContain(canary);
    } finally {
      await controller.stop();
      await close();
    }
  });

  it('puts its tail in the status and the WorkflowFailed Event with --awx-stdout-tail-bytes', async () => {
    const { controller, close } = await startWith([
      '--awx-allowed-job-templates=rotate-*',
      '--awx-stdout-tail-bytes=4096',
    ]);
    try {
      const { status, events } = await failedRun('rotate-db');
      expect(status?.failureDetails?.message).toContain(canary);
      expect(status?.failureDetails?.naturalLanguageSummary).toContain(canary);
      expect(events.find((event) => event.reason === 'WorkflowFailed')?.message ?? '').toContain(
        canary,
      );
    } finally {
      await controller.stop();
      await close();
    }
  });
});
