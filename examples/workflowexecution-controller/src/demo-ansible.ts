import { AnsibleExecutor, AwxClient } from '@roundhouse/awx';
import { startAwxSimulator } from '@roundhouse/awx-simulator';
import type { KubeClient } from '@roundhouse/kube';

export interface AnsibleDemo {
  readonly executor: AnsibleExecutor;
  readonly templates: { readonly succeeds: string; readonly fails: string };
  stop(): Promise<void>;
}

/**
 * The demo's AWX: the project's strict simulator on loopback, with one template whose jobs
 * succeed and one whose jobs fail, both prompting for variables and credentials on launch.
 */
export async function startAnsibleDemo(
  kube: KubeClient,
  say: (line: string) => void,
): Promise<AnsibleDemo> {
  const simulator = await startAwxSimulator();
  const templates = { succeeds: 'patch-config', fails: 'drain-node' };
  simulator.state.addJobTemplate({
    name: templates.succeeds,
    askVariablesOnLaunch: true,
    askCredentialOnLaunch: true,
    schedule: { pendingMs: 300, runningMs: 1_500, outcome: 'successful' },
  });
  simulator.state.addJobTemplate({
    name: templates.fails,
    askVariablesOnLaunch: true,
    askCredentialOnLaunch: true,
    schedule: {
      pendingMs: 300,
      runningMs: 1_000,
      outcome: 'failed',
      jobExplanation: 'node worker-3 did not drain within 60s',
    },
  });
  say(`AWX simulator at ${simulator.url}${simulator.apiPrefix}`);
  const awx = new AwxClient({
    baseUrl: simulator.url,
    token: simulator.token,
    apiPrefix: simulator.apiPrefix,
  });
  return {
    executor: new AnsibleExecutor(awx, kube),
    templates,
    async stop() {
      await awx.close();
      await simulator.stop();
    },
  };
}
