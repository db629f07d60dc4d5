import type { Command } from 'commander';
import type { InSession } from '../action.js';
import { objectName } from '../names.js';
import type { Terminal } from '../terminal.js';
import { describeRun, listTaskRuns, listTasks, runLogs, startTask } from './commands.js';

/** What the task commands need from the program that hosts them. */
export interface TaskHost {
  readonly term: Terminal;
  readonly signal: AbortSignal;
  readonly inSession: InSession;
  readonly exit: (code: number) => void;
  /** How long a follow waits for the TaskRun controller to take a run up; default 5 minutes. */
  readonly unclaimedLimitMs?: number | undefined;
}

// No default ([]): commander would print it in the help.
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/**
 * Adds `start` and `list` to `parent`: `kubectl roundhouse task`, or the `kubectl task` alias's
 * root. A verb it does not know prints `Invalid Command` and the usage, as mini-task did.
 */
export function addTaskCommands(parent: Command, host: TaskHost): Command {
  const { term, signal, inSession } = host;
  parent
    .command('start')
    .description('create a TaskRun of a Task (named <task>-run-<suffix>)')
    .argument('<task>', 'a Task in the namespace', objectName('TASK', 'Task'))
    .option('-p, --param <name=value>', 'a param of the Task; repeat for more', collect)
    .option('--timeout <duration>', 'fail the run if it has not finished after this (e.g. 10m)')
    .option('-w, --watch', "follow the run's steps to its end; exit 0 only if it succeeded")
    .option('--showlog', "stream the steps' logs to the run's end; exit 0 only if it succeeded")
    .action(
      inSession((session, command, task: string) =>
        startTask(
          session,
          term,
          task,
          { ...command.opts(), unclaimedLimitMs: host.unclaimedLimitMs },
          signal,
        ),
      ),
    );
  parent
    .command('list')
    .description('list the Tasks of the namespace')
    .action(inSession((session) => listTasks(session, term)));
  return withVerbCheck(parent, host);
}

/** Adds `list`, `describe` and `logs` to `parent` (`kubectl roundhouse taskrun`). */
export function addTaskRunCommands(parent: Command, host: TaskHost): Command {
  const { term, signal, inSession } = host;
  parent
    .command('list')
    .description('list the TaskRuns of the namespace, oldest first')
    .action(inSession((session) => listTaskRuns(session, term)));
  parent
    .command('describe')
    .description('a TaskRun: its Task, params, outcome and every step')
    .argument('<name>', 'a TaskRun', objectName('NAME', 'TaskRun'))
    .action(inSession((session, _command, name: string) => describeRun(session, term, name)));
  parent
    .command('logs')
    .description("the TaskRun's step logs, [step] line")
    .argument('<name>', 'a TaskRun', objectName('NAME', 'TaskRun'))
    .option('-f, --follow', 'stream until the run ends')
    .action(
      inSession((session, command, name: string) =>
        runLogs(
          session,
          term,
          name,
          { follow: command.opts().follow === true, unclaimedLimitMs: host.unclaimedLimitMs },
          signal,
        ),
      ),
    );
  return withVerbCheck(parent, host);
}

/**
 * Commander would take an unknown verb as an unknown command with its own wording; an action on
 * the parent receives it instead, as an excess operand (a declared argument would show in the
 * parent's list of commands, `task [verb...]`). No verb at all prints the usage.
 */
function withVerbCheck(parent: Command, host: TaskHost): Command {
  return parent
    .allowExcessArguments()
    .usage('[options] <command>')
    .action((_options: unknown, command: Command) => {
      if (command.args.length) host.term.err.write('Invalid Command\n');
      host.term.err.write(parent.helpInformation());
      host.exit(1);
    });
}
