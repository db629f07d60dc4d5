#!/usr/bin/env node
/**
 * `awx-simulator`: serves the simulator on a port with one seeded job template and prints, as
 * `KEY=value` lines a shell or a demo can read, where it listens and the token to use.
 * Flags win over AWX_SIMULATOR_* environment variables.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { JobTemplate, JobTemplateSeed } from './job-templates.js';
import { JOB_OUTCOMES } from './jobs.js';
import { isJsonObject, parseJsonText } from './python-json.js';
import { API_PREFIXES } from './routes.js';
import { type AwxSimulator, type AwxSimulatorOptions, startAwxSimulator } from './server.js';

const USAGE = `Usage: awx-simulator [options]
  --help                this text
  --port <n>            port to listen on (AWX_SIMULATOR_PORT, default 8052; 0 picks one)
  --host <addr>         127.0.0.1, ::1 or localhost (AWX_SIMULATOR_HOST)
  --token <t>           bearer token clients must send (AWX_SIMULATOR_TOKEN, default random)
  --api-prefix <p>      /api/v2/ or /api/controller/v2/ (AWX_SIMULATOR_API_PREFIX)
  --template <name>     job template to seed (AWX_SIMULATOR_TEMPLATE, default "Demo Job Template")
  --ask-variables       the template prompts for extra_vars on launch
  --ask-credential      the template prompts for credentials on launch
  --survey-spec <json>  the template's survey spec, as POST survey_spec/ takes it
                        (AWX_SIMULATOR_SURVEY_SPEC)
  --survey-enabled      launches apply the survey spec (AWX's survey_enabled)
  --outcome <o>         successful, failed or error (AWX_SIMULATOR_OUTCOME)
  --pending-ms <n>      time a job stays pending (AWX_SIMULATOR_PENDING_MS)
  --running-ms <n>      time a job runs (AWX_SIMULATOR_RUNNING_MS)
`;

/** JSON text of an object, or `undefined` for anything else, malformed text included. */
function readJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = parseJsonText(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const milliseconds = z.coerce.number().int().min(0).optional();

const cliSchema = z.object({
  port: z.coerce.number().int().min(0).max(65_535).default(8052),
  host: z.enum(['127.0.0.1', '::1', 'localhost']).optional(),
  token: z.string().min(1).optional(),
  apiPrefix: z.enum(API_PREFIXES).optional(),
  template: z.string().min(1).default('Demo Job Template'),
  askVariables: z.boolean().default(false),
  askCredential: z.boolean().default(false),
  surveySpec: z
    .string()
    .transform((text, ctx) => {
      const spec = readJsonObject(text);
      if (spec) return spec;
      ctx.addIssue({ code: 'custom', message: 'the survey spec must be a JSON object' });
      return z.NEVER;
    })
    .optional(),
  surveyEnabled: z.boolean().default(false),
  outcome: z.enum(JOB_OUTCOMES).optional(),
  pendingMs: milliseconds,
  runningMs: milliseconds,
});

export interface CliConfig {
  readonly options: AwxSimulatorOptions;
  readonly template: JobTemplateSeed;
}

/** Reads flags and environment; throws with a readable message on anything invalid. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      'api-prefix': { type: 'string' },
      template: { type: 'string' },
      'ask-variables': { type: 'boolean' },
      'ask-credential': { type: 'boolean' },
      'survey-spec': { type: 'string' },
      'survey-enabled': { type: 'boolean' },
      outcome: { type: 'string' },
      'pending-ms': { type: 'string' },
      'running-ms': { type: 'string' },
    },
  });
  const cli = cliSchema.parse({
    port: values.port ?? env.AWX_SIMULATOR_PORT,
    host: values.host ?? env.AWX_SIMULATOR_HOST,
    token: values.token ?? env.AWX_SIMULATOR_TOKEN,
    apiPrefix: values['api-prefix'] ?? env.AWX_SIMULATOR_API_PREFIX,
    template: values.template ?? env.AWX_SIMULATOR_TEMPLATE,
    askVariables: values['ask-variables'],
    askCredential: values['ask-credential'],
    surveySpec: values['survey-spec'] ?? env.AWX_SIMULATOR_SURVEY_SPEC,
    surveyEnabled: values['survey-enabled'],
    outcome: values.outcome ?? env.AWX_SIMULATOR_OUTCOME,
    pendingMs: values['pending-ms'] ?? env.AWX_SIMULATOR_PENDING_MS,
    runningMs: values['running-ms'] ?? env.AWX_SIMULATOR_RUNNING_MS,
  });
  return {
    options: { port: cli.port, host: cli.host, token: cli.token, apiPrefix: cli.apiPrefix },
    template: {
      name: cli.template,
      askVariablesOnLaunch: cli.askVariables,
      askCredentialOnLaunch: cli.askCredential,
      surveyEnabled: cli.surveyEnabled,
      surveySpec: cli.surveySpec,
      schedule: { outcome: cli.outcome, pendingMs: cli.pendingMs, runningMs: cli.runningMs },
    },
  };
}

/** Starts the simulator as the CLI does and returns it with the lines the CLI prints. */
export async function runCli(
  config: CliConfig,
): Promise<{ simulator: AwxSimulator; lines: string[] }> {
  const simulator = await startAwxSimulator(config.options);
  let template: JobTemplate;
  try {
    template = simulator.state.addJobTemplate(config.template);
  } catch (error) {
    // A survey spec AWX would refuse: no server is left listening behind the message.
    await simulator.stop();
    throw error;
  }
  return {
    simulator,
    lines: [
      `AWX_URL=${simulator.url}`,
      `AWX_API_PREFIX=${simulator.apiPrefix}`,
      `AWX_TOKEN=${simulator.token}`,
      `AWX_JOB_TEMPLATE_ID=${template.id}`,
      `AWX_JOB_TEMPLATE_NAME=${template.name}`,
    ],
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return;
  }
  let config: CliConfig;
  try {
    config = parseCli(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`awx-simulator: ${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  let started: Awaited<ReturnType<typeof runCli>>;
  try {
    started = await runCli(config);
  } catch (error) {
    process.stderr.write(`awx-simulator: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const { simulator, lines } = started;
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => void simulator.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const invokedAs = process.argv[1] ? realpathSync(process.argv[1]) : '';
if (invokedAs === fileURLToPath(import.meta.url)) await main();
