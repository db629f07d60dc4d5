/**
 * A call `MemoryKubeClient` does not model. It is not a `KubernetesApiError` on purpose: code
 * under test that retries or tolerates classified API errors must not swallow it, so a test
 * that strays past the double's limits fails loudly instead of passing for the wrong reason.
 */
export class UnsupportedByMemoryKubeClient extends Error {
  readonly reason = 'Unsupported' as const;

  constructor(readonly operation: string) {
    super(
      `MemoryKubeClient does not model ${operation}; test this against a real API server (@roundhouse/testenv)`,
    );
    this.name = 'UnsupportedByMemoryKubeClient';
  }
}
