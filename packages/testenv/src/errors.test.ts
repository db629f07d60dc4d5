import { describe, expect, it } from 'vitest';
import * as errors from './errors.js';
import {
  BinariesNotFoundError,
  BinaryBuildError,
  CertificateError,
  ControlPlaneUnavailableError,
  InvalidCrdError,
  ProcessStartError,
  RegistryPushError,
  TestEnvError,
  ToolchainMissingError,
  WaitTimeoutError,
} from './errors.js';

// One of each error this package throws, with the reason callers may branch on: these strings
// are part of the API and must not change.
const samples: [TestEnvError, string][] = [
  [new TestEnvError('restartApiServer() after stop()'), 'TestEnvError'],
  [new BinariesNotFoundError(['etcd'], ['/bin']), 'BinariesNotFoundError'],
  [new ToolchainMissingError('go not found'), 'ToolchainMissingError'],
  [new BinaryBuildError('the build failed', '/tmp/build.log'), 'BinaryBuildError'],
  [new ProcessStartError('etcd', 'exited', '/tmp/etcd.log', 'tail'), 'ProcessStartError'],
  [new CertificateError('openssl req failed'), 'CertificateError'],
  [new WaitTimeoutError('not ready'), 'WaitTimeoutError'],
  [new ControlPlaneUnavailableError('no control plane'), 'ControlPlaneUnavailableError'],
  [new InvalidCrdError('not a CRD'), 'InvalidCrdError'],
  [new RegistryPushError('MANIFEST_BLOB_UNKNOWN', 'push refused'), 'MANIFEST_BLOB_UNKNOWN'],
];

describe('testenv errors', () => {
  it.each(samples.map(([error, reason]) => [error.name, error, reason] as const))(
    '%s carries a stable reason',
    (_, error, reason) => {
      expect(error).toBeInstanceOf(TestEnvError);
      expect(error.reason).toBe(reason);
    },
  );

  it('covers every error class the module exports', () => {
    const classes = Object.values(errors).filter(
      (value) => value === TestEnvError || value.prototype instanceof TestEnvError,
    );
    expect(new Set(samples.map(([error]) => error.constructor))).toEqual(new Set(classes));
  });

  it('keeps the messages as they were', () => {
    expect(new ProcessStartError('etcd', 'exited with code 1', '/l', 't').message).toBe(
      'etcd exited with code 1; log: /l\n--- last lines of etcd log ---\nt',
    );
    expect(new RegistryPushError('Unreachable', 'push x: ECONNREFUSED').message).toBe(
      'Unreachable: push x: ECONNREFUSED',
    );
  });
});
