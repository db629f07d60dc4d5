export type { OrganizationRole, TemplateRole, UserRef } from './access.js';
export type {
  CredentialKind,
  CredentialType,
  CredentialTypeSeed,
} from './credential-types.js';
export type { Credential, CredentialOrigin, CredentialSeed } from './credentials.js';
export type { FailOptions, FaultMatch, Faults } from './faults.js';
export type { JobTemplate, JobTemplateSeed } from './job-templates.js';
export type { Job, JobSchedule, JobScheduleInput, JobStatus } from './jobs.js';
export type { Organization } from './organizations.js';
export { AwxValidationError } from './replies.js';
export type { ApiPrefix } from './routes.js';
export {
  type AwxSimulator,
  type AwxSimulatorOptions,
  type RequestRecord,
  type SimulatorState,
  startAwxSimulator,
} from './server.js';
export type { DeletedCredential } from './store.js';
export type { WorkflowJob } from './workflow-jobs.js';
