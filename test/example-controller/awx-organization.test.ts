import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { noopLogger, roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Config,
  parseCommandLine,
} from '../../examples/workflowexecution-controller/src/config.js';
import { buildRegistry } from '../../examples/workflowexecution-controller/src/registry.js';

/**
 * `--awx-organization` names the AWX organization the ansible engine creates its ephemeral
 * credentials in: the controller's own registry, against the AWX simulator and a real API
 * server for the token and dependency Secrets.
 */
describeWithControlPlane('the example controller with --awx-organization', () => {
  const env = useTestNamespace({ prefix: 'wfe-awx-org' });
  let awx: AwxSimulator;
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => {
    awx = await startAwxSimulator();
    await client().create(resources.secrets, env.namespace, {
      metadata: { name: 'awx-token' },
      stringData: { token: awx.token },
    });
    await client().create(resources.secrets, env.namespace, {
      metadata: { name: 'db-creds' },
      stringData: { password: 'pw-1' },
    });
  });

  afterAll(async () => awx?.stop());

  function config(organization: string): Config {
    const line = parseCommandLine(
      [
        '--engines=ansible',
        `--awx-url=${awx.url}`,
        `--awx-api-prefix=${awx.apiPrefix}`,
        `--awx-token-secret=${env.namespace}/awx-token`,
        `--awx-organization=${organization}`,
        '--awx-allowed-job-templates=patch-config',
      ],
      {},
    );
    if (line.help) throw new Error('asked for help');
    return line.config;
  }

  const shared = () => ({
    client: client(),
    reader: client(),
    conventions: roundhouseConventions,
    logger: noopLogger,
  });

  it('creates the ephemeral credentials in the organization it names', async () => {
    const platform = awx.state.addOrganization('Platform');
    const template = awx.state.addJobTemplate({
      name: 'patch-config',
      askVariablesOnLaunch: true,
      askCredentialOnLaunch: true,
      schedule: { pendingMs: 20, runningMs: 100 },
    });
    const { registry, close } = await buildRegistry(config('Platform'), shared());
    try {
      const wfe: WorkflowExecution = {
        metadata: { name: 'patch', namespace: env.namespace, uid: 'uid-patch' },
        spec: {
          workflowRef: {
            workflowId: 'patch',
            version: '1',
            executionBundle: 'registry.invalid/patch:1',
            engineConfig: { jobTemplateName: template.name, playbookPath: 'site.yml' },
          },
          targetResource: `${env.namespace}/deployment/patched`,
          executionEngine: 'ansible',
        },
      };
      await registry.get('ansible').create(wfe, env.namespace, {
        dependencies: { secrets: [{ name: 'db-creds' }] },
      });
      const created = awx.state.liveCredentials({ origin: 'api' });
      expect(created).toHaveLength(1);
      expect(created[0]?.organization).toBe(platform.id);
    } finally {
      await close();
    }
  });

  it('refuses to start with an organization AWX does not have, naming it', async () => {
    await expect(buildRegistry(config('Nowhere'), shared())).rejects.toThrow(/Nowhere/);
  });
});
