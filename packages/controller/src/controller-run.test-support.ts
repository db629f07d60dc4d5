import { afterEach } from 'vitest';
import type { Controller } from './controller.js';

const running: { stop: AbortController; done: Promise<void> }[] = [];

/** Stops, after each test of the file that imports this, every controller `run` started. */
afterEach(async () => {
  for (const { stop } of running) stop.abort();
  await Promise.all(running.splice(0).map(({ done }) => done));
});

/** Starts `controller`; the test may stop it itself, or leave that to the file's afterEach. */
export function run(controller: Controller) {
  const stop = new AbortController();
  const done = controller.start(stop.signal);
  running.push({ stop, done });
  return { stop, done };
}
