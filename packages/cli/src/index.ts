export { runCli } from './cli.js';
export type { CliContext } from './program.js';
export { type Terminal, terminal } from './terminal.js';
