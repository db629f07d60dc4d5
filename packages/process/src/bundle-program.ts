import { posix } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';

const bundleField = 'spec.workflowRef.executionBundle';

/**
 * The program an execution bundle names, for the task's argv.
 *
 * With a bundle directory (the engine's `bundleRoot`), every bundle is a file under it, named
 * by the bundle as written: `team/restart` runs `<root>/team/restart`, a tag or digest is part
 * of the file name, and PATH is never searched, so only what the operator put there runs.
 *
 * Without one, a bare name (`restart.sh`) is a program on the task's PATH, and an absolute path
 * runs as it is (the CRD refuses one: only a WorkflowExecution built in code carries it). A
 * relative path with a `/` is refused: it would be found from the task's working directory,
 * which holds nothing the operator put there.
 */
export function bundleProgram(bundle: string, bundleRoot: string | undefined): string {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(bundle)) {
    throw refusal(
      `"${bundle}" is a URL, and this engine runs a program: name a file under its bundleRoot, or a program on PATH`,
    );
  }
  if (bundleRoot === undefined) {
    if (bundle.startsWith('/') || !bundle.includes('/')) return bundle;
    throw refusal(
      `"${bundle}" is a relative path, which the engine has no directory to find in: the operator sets the engine's bundleRoot (a directory of bundles such as /opt/workflows, where this runs as /opt/workflows/${bundle}), or the bundle is a program name on PATH without a "/"`,
    );
  }
  const segments = bundle.split('/');
  if (bundle.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw refusal(
      `"${bundle}" must name a file under the bundle directory ${bundleRoot}, as a relative path without empty, "." or ".." segments`,
    );
  }
  return posix.join(bundleRoot, bundle);
}

/** Why `root` cannot be a bundle directory, or undefined when it can. */
export function bundleRootProblem(root: string): string | undefined {
  if (!root.startsWith('/')) return 'must be an absolute path';
  if (root.includes('\0')) return 'must not contain NUL';
  return undefined;
}

function refusal(message: string): ConfigurationError {
  return new ConfigurationError({ path: bundleField, message });
}
