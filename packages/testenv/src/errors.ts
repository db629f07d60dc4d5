/**
 * Base class of every error this package throws, so callers can tell them from their own. Each
 * carries a `reason`, a stable string to branch on (never the message): its class name, or for
 * RegistryPushError the registry's error code.
 */
export class TestEnvError extends Error {
  override name = 'TestEnvError';
  readonly reason: string = 'TestEnvError';
}

/** Some control-plane binaries are not where the configuration says they are. */
export class BinariesNotFoundError extends TestEnvError {
  override name = 'BinariesNotFoundError';
  override readonly reason = 'BinariesNotFoundError';
  constructor(
    readonly missing: readonly string[],
    readonly searched: readonly string[],
  ) {
    super(
      `control-plane binaries not found: ${missing.join(', ')} (searched: ${searched.join(', ') || 'nowhere'}). ` +
        'Build them with packages/testenv/scripts/build-binaries.sh (needs Go >= 1.26) or point ' +
        'ROUNDHOUSE_TESTENV_BIN at a directory holding them.',
    );
  }
}

/** The Go toolchain needed to build the binaries is missing or too old. */
export class ToolchainMissingError extends TestEnvError {
  override name = 'ToolchainMissingError';
  override readonly reason = 'ToolchainMissingError';
}

/** The build script ran and failed. */
export class BinaryBuildError extends TestEnvError {
  override name = 'BinaryBuildError';
  override readonly reason = 'BinaryBuildError';
  constructor(
    message: string,
    readonly logPath: string,
  ) {
    super(`${message} (build log: ${logPath})`);
  }
}

/** A control-plane process exited or never became ready; the message carries its log tail. */
export class ProcessStartError extends TestEnvError {
  override name = 'ProcessStartError';
  override readonly reason = 'ProcessStartError';
  constructor(
    readonly processName: string,
    failure: string,
    readonly logPath: string,
    readonly logTail: string,
  ) {
    super(
      `${processName} ${failure}; log: ${logPath}\n--- last lines of ${processName} log ---\n${logTail}`,
    );
  }
}

/** The openssl CLI failed to issue a key or certificate. */
export class CertificateError extends TestEnvError {
  override name = 'CertificateError';
  override readonly reason = 'CertificateError';
}

/** A condition polled for did not become true in time. */
export class WaitTimeoutError extends TestEnvError {
  override name = 'WaitTimeoutError';
  override readonly reason = 'WaitTimeoutError';
}

/** Tests asked for the shared control plane, but the run has none. */
export class ControlPlaneUnavailableError extends TestEnvError {
  override name = 'ControlPlaneUnavailableError';
  override readonly reason = 'ControlPlaneUnavailableError';
}

/** A CRD file does not contain what installCrds can install. */
export class InvalidCrdError extends TestEnvError {
  override name = 'InvalidCrdError';
  override readonly reason = 'InvalidCrdError';
}

/** The local OCI registry refused a push, or could not be reached. */
export class RegistryPushError extends TestEnvError {
  override name = 'RegistryPushError';
  constructor(
    /** The registry's error code (e.g. `MANIFEST_BLOB_UNKNOWN`), or `Unreachable`. */
    override readonly reason: string,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}
