import { ConfigurationError } from '@roundhouse/core';
import type { SecretValues } from './credential-plan.js';
import type { DependencyReader } from './dependency-reader.js';
import type { LaunchRecord } from './launch-record.js';
import { type OutputScrub, type OutputWithheld, outputScrub } from './output-scrub.js';

/**
 * The scrub of a job's output, from what its launch record says the job was given: the Secrets
 * are read again, since their values are never kept, and must still be the versions the job
 * got. When that cannot be told (no record says, a Secret is gone or changed since) the output
 * is withheld rather than shown unscrubbed.
 */
export class OutputScrubber {
  readonly #dependencies: Pick<DependencyReader, 'secrets'>;

  constructor(dependencies: Pick<DependencyReader, 'secrets'>) {
    this.#dependencies = dependencies;
  }

  async of(
    record: LaunchRecord | undefined,
    namespace: string,
    signal: AbortSignal | undefined,
  ): Promise<OutputScrub | OutputWithheld> {
    const injected = record?.injected;
    if (!injected) {
      return {
        withheld: 'no launch record of this execution says which Secrets its job was given',
      };
    }
    const names = injected.secrets.map((secret) => secret.name);
    let read: SecretValues[];
    try {
      read = await this.#dependencies.secrets(namespace, names, signal);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      return { withheld: `a Secret its job was given (${names.join(', ')}) is gone or unreadable` };
    }
    const changed = injected.secrets.filter(
      (secret, index) => (read[index]?.resourceVersion ?? '') !== secret.resourceVersion,
    );
    if (changed.length > 0) {
      const which = changed.map((secret) => secret.name).join(', ');
      return { withheld: `Secret ${which} changed since its job was given it` };
    }
    const values = read.flatMap((secret) => Object.values(secret.data));
    return outputScrub(values, injected.kubernetesToken);
  }
}
