import { ConfigurationError, RoundhouseError, UnsupportedEngineError } from './errors.js';
import type { Executor, OperationOptions } from './executor.js';
import { isDns1123Label } from './kubernetes-names.js';

/** A second executor for an engine that is already registered, without `replace`. */
export class DuplicateEngineError extends RoundhouseError {
  readonly reason = 'DuplicateEngine';

  constructor(readonly engine: string) {
    super(
      `an executor for engine "${engine}" is already registered; pass { replace: true } to replace it`,
    );
  }
}

export interface AvailabilityOptions extends OperationOptions {
  /**
   * Engines this deployment expects (kubernaut's `EngineAvailability(known)`): one that has no
   * executor registered is reported unavailable, so a readiness check names what is missing
   * instead of failing the first execution that asks for it.
   */
  readonly known?: readonly string[] | undefined;
}

export interface AvailabilityReport {
  readonly available: readonly string[];
  readonly unavailable: readonly { readonly engine: string; readonly reason: string }[];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Dispatches a WorkflowExecution to the executor its `spec.executionEngine` names. */
export class Registry {
  readonly #executors = new Map<string, Executor>();

  register(executor: Executor, options: { replace?: boolean | undefined } = {}): this {
    // spec.executionEngine must be a DNS-1123 label (it is a label value on every resource), so
    // an executor registered under another name could never be chosen.
    if (!isDns1123Label(executor.engine)) {
      throw new ConfigurationError({
        path: 'engine',
        message: `"${executor.engine}" is not an engine name WorkflowExecutions can name: use lowercase letters, digits and "-", at most 63 characters`,
      });
    }
    if (this.#executors.has(executor.engine) && !options.replace) {
      throw new DuplicateEngineError(executor.engine);
    }
    this.#executors.set(executor.engine, executor);
    return this;
  }

  /** The executor for `engine`; throws UnsupportedEngineError listing what is registered. */
  get(engine: string): Executor {
    const executor = this.#executors.get(engine);
    if (!executor) throw new UnsupportedEngineError(engine, this.engines());
    return executor;
  }

  has(engine: string): boolean {
    return this.#executors.has(engine);
  }

  /** Registered engine names, sorted. */
  engines(): string[] {
    return [...this.#executors.keys()].sort(byName);
  }

  /**
   * Asks every executor whether it can run now. An executor whose check throws is reported
   * unavailable with the error's message rather than failing the whole report, and so is each
   * `known` engine without an executor.
   */
  async availability(options: AvailabilityOptions = {}): Promise<AvailabilityReport> {
    const checks = await Promise.all(
      this.engines().map(async (engine) => {
        const executor = this.#executors.get(engine) as Executor;
        try {
          return {
            engine,
            result: (await executor.availability?.(options)) ?? { available: true },
          };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return { engine, result: { available: false as const, reason } };
        }
      }),
    );
    const missing = [...new Set(options.known ?? [])]
      .filter((engine) => !this.#executors.has(engine))
      .map((engine) => ({ engine, reason: `no executor is registered for engine "${engine}"` }));
    return {
      available: checks.filter((c) => c.result.available).map((c) => c.engine),
      unavailable: [
        ...checks.flatMap((c) =>
          c.result.available ? [] : [{ engine: c.engine, reason: c.result.reason }],
        ),
        ...missing,
      ].sort((a, b) => byName(a.engine, b.engine)),
    };
  }
}
