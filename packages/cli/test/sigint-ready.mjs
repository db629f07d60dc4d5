// Preloaded by cli-interrupt.test.ts into a CLI that prints nothing while it waits. Node catches
// SIGINT from its first instruction (to reset the terminal, then die by the signal), so the
// process's signal mask cannot say when the CLI's own handler is in place; this says it on fd 3.
import { writeSync } from 'node:fs';

const on = process.on;
process.on = function (event, listener) {
  const result = on.call(this, event, listener);
  if (event === 'SIGINT') writeSync(3, 'handled\n');
  return result;
};
