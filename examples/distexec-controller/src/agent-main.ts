import { hostname } from 'node:os';
import { ControllerMetrics, runControllerMain } from '@roundhouse/controller';
import { KubeClient, loadKubeConfig } from '@roundhouse/kube';
import { ProcessSupervisor } from '@roundhouse/process';
import { createDistExecAgent } from './agent.js';
import { agentTrustWarning } from './agent-trust.js';
import { agentHelp, loadAgentConfig } from './config-agent.js';

/**
 * The node agent's entry point, one per node (a DaemonSet pod): NODE_NAME comes from the
 * downward API (else the host's name, as dist-exec falls back), commands run under a process
 * supervisor whose data directory survives restarts, and SIGTERM stops reconciling but leaves
 * commands running for the next agent. dist-exec's manager flags are taken (see config-agent.ts).
 */
process.exit(
  await runControllerMain({
    program: 'distexec-agent',
    loggerName: 'roundhouse-distexec-agent',
    help: () => agentHelp('distexec-agent'),
    usage: 'Run distexec-agent --help for usage.',
    configure: () => loadAgentConfig(process.argv.slice(2), process.env, hostname),
    logLevel: ({ config }) => config.logLevel,
    run: async ({ config, nodeNameFrom, ignored }, { logger, signal, serveHealth }) => {
      if (nodeNameFrom === 'hostname') {
        logger.warn(
          { nodeName: config.nodeName },
          "none of --node-name, DISTEXEC_NODE_NAME and NODE_NAME is set: the node name is this host's name, as dist-exec takes it; " +
            'in a pod without hostNetwork that is the pod name, so set NODE_NAME from spec.nodeName',
        );
      } else {
        logger.info({ nodeName: config.nodeName, from: nodeNameFrom }, 'node name');
      }
      logger.warn(
        { watchNamespace: config.watchNamespace },
        agentTrustWarning(config.watchNamespace),
      );
      if (ignored.length > 0) {
        logger.warn(
          { ignored },
          `accepted for compatibility with dist-exec and ignored: ${ignored.join(', ')}`,
        );
      }
      const kubeConfig = await loadKubeConfig({ file: config.kubeconfig });
      const client = new KubeClient(kubeConfig, { fieldManager: 'roundhouse-distexec-agent' });
      const supervisor = await ProcessSupervisor.open({
        dataDir: config.dataDir,
        gracePeriodMs: config.gracePeriod,
        // Commands get a small environment, not the agent's: its kubeconfig path and any other
        // setting of the agent are none of a command's business.
        environment: { PATH: process.env.PATH, HOME: '/tmp', NODE_NAME: config.nodeName },
        logger,
      });
      const metrics = new ControllerMetrics();
      const agent = createDistExecAgent({
        kubeConfig,
        client,
        nodeName: config.nodeName,
        supervisor,
        watchNamespace: config.watchNamespace,
        workers: config.workers,
        pollMs: config.pollInterval,
        outputLimitBytes: config.outputLimitBytes,
        metrics,
        logger,
      });
      await serveHealth(
        { port: config.healthPort, metrics, ready: () => agent.controller.ready },
        { node: config.nodeName, dataDir: config.dataDir },
      );
      try {
        await agent.run(signal);
      } finally {
        await supervisor.close();
        await client.close();
      }
    },
  }),
);
