import { timeoutDueIn } from './task-lifecycle.js';
import type { TaskRecord } from './task-record.js';
import { maxTimerMs } from './timer-limit.js';

/** Past the deadline, so the look it triggers finds the timeout due rather than a moment early. */
const slackMs = 5;

/**
 * One timer per task with a pending timeout, calling `onDue` with its name at the deadline: the
 * supervisor's reconcile loop alone would stop a task up to one interval late. Should a timer
 * still fire early, the loop stops the task.
 */
export class TaskDeadlines {
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #onDue: (name: string) => void;
  #closed = false;

  constructor(onDue: (name: string) => void) {
    this.#onDue = onDue;
  }

  /** Arms the task's timer unless it has no timeout, or one is armed already. */
  arm(record: TaskRecord): void {
    const dueIn = timeoutDueIn(record, new Date());
    if (dueIn === undefined || this.#closed || this.#timers.has(record.name)) return;
    // A farther deadline is waited for in steps of the longest timer.
    const delay = Math.min(dueIn + slackMs, maxTimerMs);
    const timer = setTimeout(() => {
      this.#timers.delete(record.name);
      if (delay < dueIn + slackMs) this.arm(record);
      else this.#onDue(record.name);
    }, delay);
    timer.unref();
    this.#timers.set(record.name, timer);
  }

  /** The task is gone: its timer with it. */
  forget(name: string): void {
    clearTimeout(this.#timers.get(name));
    this.#timers.delete(name);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
