import { type ControllerProcess, waitQuiet } from './processes.js';
import type { Sample, ScaleContext } from './scenario.js';
import { Tracker } from './tracker.js';
import {
  createExecution,
  executionName,
  firstJobShape,
  removeJobs,
  runExecutions,
  type Timeline,
} from './workload.js';

export interface Namespaces {
  readonly watch: string;
  readonly execution: string;
}

/** What one controller's run of the workload gave, with its tracker still watching. */
export interface MeasuredRun {
  readonly controller: ControllerProcess;
  readonly tracker: Tracker;
  readonly idle: Sample;
  readonly atStart: Sample;
  readonly atCompleted: Sample;
  readonly timeline: Timeline;
  readonly jobShape: string;
}

/**
 * Runs the workload against one controller process the same way for every controller: fresh
 * namespaces, the controller started and left to go quiet, an idle sample, the executions
 * created at once and followed to Completed. `finish` turns the run into the scenario's result
 * while the tracker still watches (Roundhouse waits there for its locks' release); then the
 * tracker and the controller stop and the Jobs are removed, whatever happened.
 */
export async function measureController<T>(
  ctx: ScaleContext,
  prefix: string,
  start: (namespaces: Namespaces) => Promise<ControllerProcess>,
  finish: (run: MeasuredRun) => Promise<T>,
  idleOptions: { gc?: boolean } = {},
): Promise<T> {
  const namespaces = {
    watch: await ctx.plane.createNamespace(`${prefix}-wfe`),
    execution: await ctx.plane.createNamespace(`${prefix}-exec`),
  };
  const controller = await start(namespaces);
  try {
    await waitQuiet(controller, 60_000);
    const idle = await controller.sample(idleOptions);
    const tracker = await Tracker.start(ctx.admin, namespaces, { sample: executionName(0) });
    try {
      const atStart = await controller.sample();
      const timeline = await runExecutions(
        ctx.plane,
        tracker,
        ctx.executions,
        ctx.timeoutMs,
        createExecution(ctx.admin, namespaces.watch),
      );
      const atCompleted = await controller.sample();
      const jobShape = firstJobShape(tracker, namespaces);
      return await finish({ controller, tracker, idle, atStart, atCompleted, timeline, jobShape });
    } finally {
      await tracker.stop();
    }
  } finally {
    await controller.stop();
    await removeJobs(ctx.admin, namespaces.execution, ctx.timeoutMs);
  }
}
