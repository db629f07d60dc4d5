import type { Command } from 'commander';
import { credentialValues, withoutCredentials } from './echoed-credentials.js';
import { type GlobalOptions, Session } from './session.js';

/** What an action does with a session: its exit code. */
export type SessionAction<A extends unknown[]> = (
  session: Session,
  command: Command,
  ...args: A
) => Promise<number>;

/**
 * Wraps actions so each opens a session on the kubeconfig, runs, reports its exit code through
 * `exit` and closes the session. `defaults` fill global options a program does not declare (the
 * `kubectl task` alias has no --execution-namespace).
 */
export function sessionAction(
  env: Readonly<Record<string, string | undefined>>,
  exit: (code: number) => void,
  defaults: Partial<GlobalOptions> = {},
) {
  return <A extends unknown[]>(action: SessionAction<A>) =>
    async (...args: [...A, Record<string, unknown>, Command]) => {
      const command = args[args.length - 1] as Command;
      const session = await Session.open(
        { ...defaults, ...command.optsWithGlobals<GlobalOptions>() },
        env,
      );
      try {
        exit(await action(session, command, ...(args.slice(0, -2) as A)));
      } catch (error) {
        throw withoutCredentials(error, credentialValues(session.kubeConfig));
      } finally {
        await session.close();
      }
    };
}

export type InSession = ReturnType<typeof sessionAction>;
