import { conventionsPresets } from '@roundhouse/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { sessionAction } from './action.js';
import { commanderOutput } from './commander-output.js';
import { describe, get } from './commands/inspect.js';
import { logs } from './commands/logs.js';
import { crd, locks, remove } from './commands/manage.js';
import { run } from './commands/run.js';
import { type CompletionSpec, completionScript, type Shell } from './completion.js';
import { type EngineOptions, type ExecutorFactory, executorFactory } from './executors.js';
import { knownEngines } from './manifest.js';
import { checkNameScope, objectName } from './names.js';
import { namedOutputs, type OutputFormat, outputFormat } from './output-format.js';
import { type GlobalOptions, type Session, workflowExecutionsOf } from './session.js';
import { addTaskCommands, addTaskRunCommands } from './task/program.js';
import type { Terminal } from './terminal.js';
import { watchExecutions } from './watch.js';

/** What a command needs from the process: the terminal, the environment, a stop signal. */
export interface CliContext {
  readonly term: Terminal;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** Builds executors; the default builds the real ones from the session (tests pass a double). */
  readonly executors?: ((session: Session, options: EngineOptions) => ExecutorFactory) | undefined;
  /**
   * How long a follow waits for a controller to take an execution or a TaskRun up; default 5
   * minutes.
   */
  readonly unclaimedLimitMs?: number | undefined;
}

const executionName = objectName('NAME', 'WorkflowExecution');

const collect = (value: string, previous: string[]) => [...previous, value];

function count(value: string): number {
  // Number() reads '' and ' ' as 0, '0x10' as 16 and '1e308' as a whole number.
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('must be a whole number of lines, such as 20');
  }
  return n;
}

/**
 * The command tree. Each action opens a session on the kubeconfig, runs its command and hands
 * back the exit code through `exit`.
 */
export function buildProgram(context: CliContext, exit: (code: number) => void): Command {
  const { term, env, signal } = context;
  const program = new Command('kubectl roundhouse')
    .description('Run, watch and inspect Roundhouse WorkflowExecutions.')
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('-n, --namespace <namespace>', "namespace of the executions (default: the context's)")
    .option(
      '--execution-namespace <namespace>',
      'where the controller creates execution resources',
      'roundhouse-workflows',
    )
    .addOption(
      new Option('--conventions <preset>', 'labels the controller stamps')
        .choices(Object.keys(conventionsPresets))
        .default('roundhouse'),
    )
    .option(
      '--api-group <group>',
      'API group of the WorkflowExecutions (default: roundhouse.dev; kubernaut.ai with --conventions kubernaut)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput(commanderOutput(term));

  const inSession = sessionAction(env, exit);

  program
    .command('run')
    .description('create a WorkflowExecution from flags or a manifest (-f)')
    .option('-f, --filename <file>', 'WorkflowExecution manifest, YAML or JSON (- for stdin)')
    .option('--engine <engine>', `execution engine: ${knownEngines.join(', ')}`)
    .option('--target <target>', 'the resource to work on: namespace/kind/name')
    .option('--bundle <reference>', 'the execution bundle: an OCI image or bundle reference')
    .option('--workflow <id>', 'workflow id (default: the bundle repository name)')
    .option('--workflow-version <version>', 'workflow version (default: the bundle tag)')
    .option('-p, --param <key=value>', 'a parameter; repeat for more', collect, [])
    .option(
      '--engine-config <key=value>',
      'an engine setting (spec.workflowRef.engineConfig); repeat for more',
      collect,
      [],
    )
    .option(
      '--dependency <kind/name>',
      'secret/NAME or configmap/NAME; repeat for more',
      collect,
      [],
    )
    .option('--timeout <duration>', 'execution timeout, a Go duration such as 10m')
    .option('--service-account <name>', 'ServiceAccount the workflow runs as')
    .option('--name <name>', 'the execution name')
    .option('--generate-name', 'let the server pick a unique name (the default without --name)')
    .option('--custom-engine', 'allow an engine Roundhouse does not ship')
    .option('-w, --watch', 'follow the execution to its end; exit 0 only if it completed')
    .action(
      inSession((session, command) =>
        run(session, term, command.opts(), signal, context.unclaimedLimitMs),
      ),
    );

  program
    .command('get')
    .description('list executions, or show one')
    .argument('[name]', 'a WorkflowExecution', executionName)
    .option(
      '-o, --output <format>',
      "output format: wide, json, yaml, name, jsonpath=TEMPLATE or custom-columns=SPEC (as kubectl's)",
      outputFormat,
    )
    .option('-A, --all-namespaces', 'executions of every namespace')
    .action(
      inSession((session, command, name: string | undefined) => {
        const options = command.opts<{
          output?: OutputFormat | undefined;
          allNamespaces?: boolean | undefined;
        }>();
        checkNameScope(name, options.allNamespaces);
        return get(session, term, name, {
          output: options.output ?? 'table',
          allNamespaces: options.allNamespaces === true,
        });
      }),
    );

  program
    .command('describe')
    .description('spec, status, conditions, execution resource and recent events of one execution')
    .argument('<name>', 'a WorkflowExecution', executionName)
    .action(inSession((session, _command, name: string) => describe(session, term, name)));

  program
    .command('watch')
    .description('follow executions until all have ended; exit 0 only if all completed')
    .argument(
      '[name]',
      'one WorkflowExecution (default: every one in the namespace)',
      executionName,
    )
    .option('-A, --all-namespaces', 'executions of every namespace')
    .action(
      inSession((session, command, name: string | undefined) => {
        checkNameScope(name, command.opts().allNamespaces);
        return watchExecutions(
          session,
          term,
          {
            namespace: command.opts().allNamespaces ? undefined : session.namespace,
            names: name ? [name] : undefined,
            unclaimedLimitMs: context.unclaimedLimitMs,
          },
          signal,
        );
      }),
    );

  program
    .command('logs')
    .description("the execution's output, through its engine")
    .argument('<name>', 'a WorkflowExecution', executionName)
    .option('-f, --follow', 'stream until the execution ends')
    .option('--tail <lines>', 'only the last lines of each source', count)
    .option('--no-prefix', 'print lines without their [source]')
    .addOption(
      new Option('--awx-url <url>', 'AWX for the ansible engine').env('ROUNDHOUSE_AWX_URL'),
    )
    .addOption(
      new Option('--awx-token-secret <ns/name[:key]>', 'Secret holding the AWX token').env(
        'ROUNDHOUSE_AWX_TOKEN_SECRET',
      ),
    )
    .addOption(
      new Option('--awx-api-prefix <prefix>', 'AWX API path')
        .env('ROUNDHOUSE_AWX_API_PREFIX')
        .default('/api/v2/'),
    )
    .option('--awx-ca-file <file>', 'CA bundle for AWX')
    .option('--awx-insecure-skip-tls-verify', 'do not verify AWX TLS')
    .addOption(
      new Option('--agent-url <url>', "the agent engine's roundhouse-task-executor").env(
        'ROUNDHOUSE_AGENT_URL',
      ),
    )
    .addOption(
      new Option(
        '--agent-token-file <file>',
        "file holding the agent's token (else ROUNDHOUSE_AGENT_TOKEN; never the token itself)",
      ).env('ROUNDHOUSE_AGENT_TOKEN_FILE'),
    )
    .action(
      inSession((session, command, name: string) => {
        const options = command.opts<
          EngineOptions & {
            follow?: boolean | undefined;
            tail?: number | undefined;
            prefix: boolean;
          }
        >();
        const executors = context.executors
          ? context.executors(session, options)
          : executorFactory(session, options, env);
        return logs(
          session,
          term,
          name,
          {
            follow: options.follow === true,
            tail: options.tail,
            prefix: options.prefix,
            unclaimedLimitMs: context.unclaimedLimitMs,
          },
          executors,
          signal,
        );
      }),
    );

  program
    .command('delete')
    .description('delete an execution; the controller first cleans up its execution resource')
    .argument('<name>', 'a WorkflowExecution', executionName)
    .action(inSession((session, _command, name: string) => remove(session, term, name)));

  program
    .command('locks')
    .description('which target is locked by which execution, and since when')
    .action(inSession((session) => locks(session, term)));

  const host = {
    term,
    signal,
    inSession,
    exit,
    unclaimedLimitMs: context.unclaimedLimitMs,
  };
  addTaskCommands(
    program.command('task').description('start and list Tasks (the TaskRun controller runs them)'),
    host,
  );
  addTaskRunCommands(
    program.command('taskrun').description('list, describe and read the logs of TaskRuns'),
    host,
  );

  program
    .command('crd')
    .description('print the WorkflowExecution CRD, to apply where it is missing')
    .action((_options, command: Command) =>
      exit(crd(term, workflowExecutionsOf(command.optsWithGlobals<GlobalOptions>()))),
    );

  program
    .command('completion')
    .description('print a shell completion script: source <(kubectl roundhouse completion bash)')
    .addArgument(program.createArgument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: Shell) => {
      term.out.write(completionScript(shell, completionSpec(program)));
      exit(0);
    });

  return program;
}

/** The completion spec, read off the command tree so it never falls behind. */
function completionSpec(program: Command): CompletionSpec {
  const flags = (command: Command) =>
    command.options.flatMap((o) => [o.short, o.long].filter((f): f is string => Boolean(f)));
  return {
    globalOptions: flags(program),
    commands: program.commands.map((c) => ({ name: c.name(), options: flags(c) })),
    optionValues: {
      '--engine': knownEngines,
      '-o|--output': namedOutputs,
      '--conventions': Object.keys(conventionsPresets),
      '--api-group': ['roundhouse.dev', 'kubernaut.ai'],
    },
    takesName: ['get', 'describe', 'watch', 'logs', 'delete'],
  };
}
