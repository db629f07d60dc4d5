export {
  type AuditedRequest,
  countByVerbAndResource,
  parseAuditLine,
  readAuditLog,
} from './audit.js';
export {
  type BinaryName,
  type BinaryPaths,
  type BuildResult,
  buildBinaries,
  cacheDir,
  cacheRoot,
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
  type TektonEndpoint,
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
  RegistryPushError,
  TestEnvError,
  ToolchainMissingError,
  WaitTimeoutError,
} from './errors.js';
export {
  bundleAnnotations,
  bundleImage,
  type PushedBundle,
  pushTektonBundle,
  type TektonObject,
} from './oci/bundle.js';
export { type OciRegistry, startOciRegistry } from './oci/registry.js';
export { type ContainerOutcome, containerOutcomes, podControls } from './stages.js';
export {
  type EnsuredTekton,
  ensureTekton,
  findTekton,
  type TektonInstall,
  tektonVersion,
} from './tekton/binaries.js';
export {
  resultsMessage,
  type SimulatedStep,
  type SimulatedTask,
  type SimulatedWorkflow,
  simulatedWorkflow,
} from './tekton/workflow.js';
export { fakeNodeName } from './workloads.js';
