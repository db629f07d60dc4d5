import { runAsProcess } from './process.js';
import { runTaskCli } from './task-cli.js';

await runAsProcess(runTaskCli);
