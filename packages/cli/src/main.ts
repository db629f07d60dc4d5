import { runCli } from './cli.js';
import { runAsProcess } from './process.js';

await runAsProcess(runCli);
