import { runControllerMain } from '@roundhouse/controller';
import { admissionPolicyManifest } from './admission-policy.js';
import { parseCommandLine } from './config.js';
import { helpText } from './flags.js';
import { runController } from './run.js';

const program = 'workflowexecution-controller';

// Exit explicitly: a failed start may leave a connection or timer behind, and the process
// must end rather than sit half-started.
process.exit(
  await runControllerMain({
    program,
    loggerName: 'roundhouse-workflowexecution-controller',
    configure: () => {
      const line = parseCommandLine(process.argv.slice(2), process.env);
      if (line.help) {
        process.stdout.write(helpText(program));
        return undefined;
      }
      if (!line.config.printAdmissionPolicy) return line.config;
      process.stdout.write(admissionPolicyManifest(line.config));
      return undefined;
    },
    logLevel: (config) => config.logLevel,
    usage: `Run ${program} --help for usage.`,
    run: (config, context) => runController(config, { ...context, env: process.env }),
  }),
);
