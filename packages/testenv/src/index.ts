export {
  type BinaryName,
  type BinaryPaths,
  type BuildResult,
  buildBinaries,
  cacheDir,
  type EnsuredBinaries,
  ensureBinaries,
  findBinaries,
  pinnedVersions,
  type ResolvedBinaries,
} from './binaries.js';
export {
  type ControlPlaneClient,
  type ControlPlaneEndpoint,
  connectControlPlane,
  type UserKubeConfigOptions,
} from './connection.js';
export {
  type ControlPlane,
  type ControlPlaneOptions,
  type ProcessInfo,
  type StopOptions,
  startControlPlane,
} from './control-plane.js';
export { tektonCrdFiles } from './crds.js';
export {
  BinariesNotFoundError,
  BinaryBuildError,
  CertificateError,
  ControlPlaneUnavailableError,
  InvalidCrdError,
  ProcessStartError,
  TestEnvError,
  ToolchainMissingError,
  WaitTimeoutError,
} from './errors.js';
export { podControls } from './stages.js';
export { fakeNodeName } from './workloads.js';
