/**
 * The simulator's state: organizations, credential types, credentials, templates and jobs, with
 * the timers that move jobs along. Validation and transitions are delegated to the pure modules;
 * this file only keeps records, hands out ids and arms timers. It runs past 350 lines because
 * the resources share its id sequences and a credential deletion reaches into jobs; split, each
 * part would need the others' maps.
 */

import { randomUUID } from 'node:crypto';
import {
  type CredentialRole,
  credentialGrants,
  credentialRole,
  type OrganizationRole,
  type TemplateRole,
  TOKEN_USER,
  templateRole,
  type UserRef,
} from './access.js';
import { hasRoom, holdForCapacity } from './capacity.js';
import {
  type CredentialType,
  credentialTypeRequestSchema,
  validateCredentialType,
} from './credential-types.js';
import {
  type Credential,
  type CredentialOrigin,
  type CredentialSeed,
  credentialRequestSchema,
  startBlocker,
  validateCredential,
} from './credentials.js';
import { injectAll } from './injection.js';
import { type Blocker, blockedBy, explanationDelay, holdPending } from './job-blocking.js';
import {
  type JobTemplate,
  type JobTemplateSeed,
  jobTemplateSeedSchema,
  planLaunch,
} from './job-templates.js';
import {
  advance,
  canCancel,
  isUnstarted,
  type Job,
  nextTransitionDelay,
  requestCancel,
  type StartCheck,
} from './jobs.js';
import { attachErrors, type LaunchCredential } from './launch-credentials.js';
import { MANAGED_CREDENTIAL_TYPES, managedCredentialType } from './managed-credential-types.js';
import { type RoleModel, roleCount } from './object-roles.js';
import type { Organization } from './organizations.js';
import { reapAtStartup } from './reaper.js';
import { AwxValidationError, type FieldErrors } from './replies.js';
import { NON_FIELD_ERRORS_KEY, parseBody } from './serializer-fields.js';
import { spawnSlices } from './slice-jobs.js';
import { saveSurveySpec } from './survey-spec.js';
import {
  jobDeleted,
  jobSaved,
  NEVER_RUN,
  type TemplateJobState,
  templateSaved,
} from './template-status.js';
import { monotonicClock } from './timestamps.js';
import {
  canCancelWorkflowJob,
  cancelWorkflowJob,
  nextWorkflowTransitionDelay,
  startWorkflowJob,
  type WorkflowJob,
} from './workflow-jobs.js';
import { manageWorkflowJob } from './workflow-manager.js';

export type Outcome<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: FieldErrors };

/** A launch's job, or the workflow job of a launch AWX sliced. */
export type Launched = { readonly ignoredFields: Record<string, unknown> } & (
  | { readonly job: Job }
  | { readonly workflowJob: WorkflowJob }
);

export type CancelOutcome = 'accepted' | 'finished' | 'missing';

/** An access check refused the request: AWX answers 403. */
export interface Forbidden {
  readonly ok: false;
  readonly forbidden: true;
}

/**
 * A credential deletion, as the ledger keeps it. AWX deletes a credential that jobs still use
 * (CredentialDetail has no RelatedJobsPreventDeleteMixin) and drops it from their credentials. A
 * job that is running already has it in its environment; one that has not started yet (new,
 * pending, waiting) will run without it, unless a cancel flagged it: `activeJobs` names those.
 */
export interface DeletedCredential {
  readonly id: number;
  readonly name: string;
  readonly activeJobs: readonly number[];
}
export type DeleteTypeOutcome = 'deleted' | 'managed' | 'in-use' | 'missing';

function orThrow<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new AwxValidationError(outcome.errors);
  return outcome.value;
}

export class Store {
  /** The simulator's clock, in microseconds, never going back. */
  readonly now = monotonicClock();
  private readonly nextIds = new Map<string, number>();
  private readonly organizationsById = new Map<number, Organization>();
  private readonly credentialTypesById = new Map<number, CredentialType>();
  private readonly credentialsById = new Map<number, Credential>();
  private readonly templatesById = new Map<number, JobTemplate>();
  private readonly jobsById = new Map<number, Job>();
  /** What each template stores of its jobs; a template without an entry has had none. */
  private readonly templateJobs = new Map<number, TemplateJobState>();
  private readonly workflowJobsById = new Map<number, WorkflowJob>();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** Pending jobs the task manager holds behind another job of their template. */
  private readonly held = new Set<number>();
  private readonly deletions: DeletedCredential[] = [];
  /** Pending jobs the task manager holds until a job ends and frees capacity. */
  private readonly short = new Set<number>();

  /** `capacity`: the instance's, in jobs (capacity.ts); none holds nothing for it. */
  constructor(readonly capacity?: number) {
    this.addOrganization('Default');
    for (const definition of MANAGED_CREDENTIAL_TYPES) {
      const type = managedCredentialType(definition, this.nextId('credential_type'), this.now());
      this.credentialTypesById.set(type.id, type);
    }
  }

  private nextId(resource: string): number {
    const id = (this.nextIds.get(resource) ?? 0) + 1;
    this.nextIds.set(resource, id);
    return id;
  }

  /**
   * The rows of main_rbac_roles a new object's roles take, one after another, as
   * ImplicitRoleField._post_save makes them in one bulk_create: the first one's id.
   */
  private newRoles(model: RoleModel): number {
    const first = this.nextId('role');
    for (let i = 1; i < roleCount(model); i += 1) this.nextId('role');
    return first;
  }

  organizations(): Organization[] {
    return [...this.organizationsById.values()];
  }

  organization(id: number): Organization | undefined {
    return this.organizationsById.get(id);
  }

  addOrganization(name: string, description = '', role: OrganizationRole = 'admin'): Organization {
    if (this.organizations().some((o) => o.name === name)) {
      throw new AwxValidationError({ name: ['Organization with this Name already exists.'] });
    }
    const org = {
      id: this.nextId('organization'),
      name,
      description,
      role,
      created: this.now(),
      firstRoleId: this.newRoles('organization'),
    };
    this.organizationsById.set(org.id, org);
    return org;
  }

  credentialTypes(): CredentialType[] {
    return [...this.credentialTypesById.values()];
  }

  credentialType(id: number): CredentialType | undefined {
    return this.credentialTypesById.get(id);
  }

  createCredentialType(body: unknown): Outcome<CredentialType> {
    const parsed = parseBody(credentialTypeRequestSchema, body);
    if (!parsed.ok) return parsed;
    const request = parsed.value;
    const validation = validateCredentialType(request, this.credentialTypes());
    if (!validation.ok) return validation;
    const type: CredentialType = {
      id: this.nextId('credential_type'),
      name: request.name,
      description: request.description,
      kind: request.kind,
      managed: false,
      namespace: null,
      inputs: validation.inputs,
      rawInputs: request.inputs,
      injectors: request.injectors,
      created: this.now(),
    };
    this.credentialTypesById.set(type.id, type);
    return { ok: true, value: type };
  }

  addCredentialType(body: unknown): CredentialType {
    return orThrow(this.createCredentialType(body));
  }

  deleteCredentialType(id: number): DeleteTypeOutcome {
    const type = this.credentialTypesById.get(id);
    if (!type) return 'missing';
    if (type.managed) return 'managed';
    if (this.credentials().some((c) => c.credentialType === id)) return 'in-use';
    this.credentialTypesById.delete(id);
    return 'deleted';
  }

  credentials(): Credential[] {
    return [...this.credentialsById.values()];
  }

  credential(id: number): Credential | undefined {
    return this.credentialsById.get(id);
  }

  /** `role` is granted to the token's user; one it creates for itself it is admin of. */
  createCredential(
    body: unknown,
    origin: CredentialOrigin,
    seeded: {
      readonly role?: CredentialRole | undefined;
      readonly managed?: boolean | undefined;
    } = {},
  ): Outcome<Credential> {
    const schema = credentialRequestSchema({
      user: (id) => id === TOKEN_USER.id,
      organization: (id) => this.organizationsById.has(id),
      credentialType: (id) => this.credentialTypesById.has(id),
    });
    const parsed = parseBody(schema, body);
    if (!parsed.ok) return parsed;
    const request = parsed.value;
    const type = this.credentialTypesById.get(request.credential_type as number) as CredentialType;
    const validation = validateCredential(request, type, this.credentials());
    if (!validation.ok) return validation;
    const credential: Credential = {
      id: this.nextId('credential'),
      name: request.name,
      description: request.description,
      organization: request.organization,
      credentialType: type.id,
      inputs: validation.inputs,
      origin,
      // CredentialSerializerCreate gives the owning user its admin_role.
      role: request.user === null || request.user === undefined ? (seeded.role ?? 'none') : 'admin',
      managed: seeded.managed ?? false,
      created: this.now(),
      firstRoleId: this.newRoles('credential'),
    };
    this.credentialsById.set(credential.id, credential);
    return { ok: true, value: credential };
  }

  addCredential(seed: CredentialSeed): Credential {
    const { role, managed, ...body } = seed;
    return orThrow(this.createCredential(body, 'seed', { role, managed }));
  }

  /** The token's user's role on the credential, for a user who is not a System Administrator. */
  credentialRole(credential: Credential): CredentialRole {
    const org = credential.organization;
    return credentialRole(credential.role, org === null ? undefined : this.organization(org)?.role);
  }

  deleteCredential(id: number): boolean {
    const credential = this.credentialsById.get(id);
    if (!credential) return false;
    this.credentialsById.delete(id);
    const users = this.jobs().filter((job) => job.credentials.includes(id));
    // A flagged job (its cancel acknowledged while waiting) ends before RunJob.run builds its
    // environment, so it never runs without the credential.
    const activeJobs = users
      .filter((job) => isUnstarted(job) && !job.cancelFlag)
      .map((job) => job.id);
    this.deletions.push({ id, name: credential.name, activeJobs });
    // The many-to-many rows go with the credential, as Django's cascade removes them.
    for (const job of users) {
      this.jobsById.set(job.id, { ...job, credentials: job.credentials.filter((c) => c !== id) });
    }
    return true;
  }

  /** Every credential deletion so far, oldest first. */
  deletedCredentials(): DeletedCredential[] {
    return [...this.deletions];
  }

  /** A credential with its type, as a launch and a job's summary need it. */
  launchCredential(id: number): LaunchCredential | undefined {
    const credential = this.credentialsById.get(id);
    const type = credential && this.credentialTypesById.get(credential.credentialType);
    return credential && type ? { credential, type } : undefined;
  }

  jobTemplates(): JobTemplate[] {
    return [...this.templatesById.values()];
  }

  /** The token's user's role on the template, for a user who is not a System Administrator. */
  templateRole(template: JobTemplate): TemplateRole {
    return templateRole(template.role, this.organization(template.organization)?.role);
  }

  jobTemplate(id: number): JobTemplate | undefined {
    return this.templatesById.get(id);
  }

  addJobTemplate(seed: JobTemplateSeed): JobTemplate {
    const parsed = jobTemplateSeedSchema.parse(seed);
    if (!this.organizationsById.has(parsed.organization)) {
      throw new AwxValidationError({
        organization: [`Invalid pk "${parsed.organization}" - object does not exist.`],
      });
    }
    if (
      this.jobTemplates().some(
        (t) => t.name === parsed.name && t.organization === parsed.organization,
      )
    ) {
      throw new AwxValidationError({
        [NON_FIELD_ERRORS_KEY]: [
          'Unified job template with this Name and Organization already exists.',
        ],
      });
    }
    const unknown = parsed.credentials.find((id) => !this.credentialsById.has(id));
    if (unknown !== undefined) {
      throw new AwxValidationError({
        credentials: [`Invalid pk "${unknown}" - object does not exist.`],
      });
    }
    const attachError = attachErrors(parsed.credentials.map((id) => this.launchCredential(id)));
    if (attachError) throw new AwxValidationError({ error: attachError });
    const survey =
      parsed.surveySpec === undefined ? undefined : saveSurveySpec(parsed.surveySpec, {});
    if (survey && !survey.ok) throw new AwxValidationError({ error: survey.error });
    const template: JobTemplate = {
      ...parsed,
      surveySpec: survey?.spec ?? {},
      id: this.nextId('job_template'),
      created: this.now(),
      firstRoleId: this.newRoles('job_template'),
    };
    this.templatesById.set(template.id, template);
    return template;
  }

  /** `POST job_templates/{id}/survey_spec/`: replaces the spec; AWX's 400 body on failure. */
  saveSurveySpec(templateId: number, body: unknown): Outcome<JobTemplate> {
    const template = this.templatesById.get(templateId) as JobTemplate;
    const saved = saveSurveySpec(body, template.surveySpec);
    if (!saved.ok) return { ok: false, errors: { error: saved.error } };
    const changed = { ...template, surveySpec: saved.spec };
    this.templatesById.set(templateId, changed);
    this.saveTemplateJobs(templateId);
    return { ok: true, value: changed };
  }

  /** `DELETE job_templates/{id}/survey_spec/` empties the spec; `survey_enabled` stays. */
  deleteSurveySpec(templateId: number): void {
    const template = this.templatesById.get(templateId) as JobTemplate;
    this.templatesById.set(templateId, { ...template, surveySpec: {} });
    this.saveTemplateJobs(templateId);
  }

  /** The template's `status`, current and last job as AWX stores them (template-status.ts). */
  templateJobState(templateId: number): TemplateJobState {
    return this.templateJobs.get(templateId) ?? NEVER_RUN;
  }

  /** The template saved (its survey's views save it): its status read again from its jobs. */
  private saveTemplateJobs(templateId: number): void {
    const state = this.templateJobState(templateId);
    this.templateJobs.set(
      templateId,
      templateSaved(state, (id) => this.jobsById.get(id)),
    );
  }

  jobs(): Job[] {
    return [...this.jobsById.values()];
  }

  job(id: number): Job | undefined {
    return this.jobsById.get(id);
  }

  /**
   * JobTemplateLaunch.post: the serializer's 400 first, then JobLaunchConfigAccess.can_add,
   * which a System Administrator passes and anyone else only with Use on every credential the
   * launch adds to the template's (`forbidden`, a 403), then the job.
   */
  launch(templateId: number, body: unknown, launchedBy?: UserRef): Outcome<Launched>;
  launch(
    templateId: number,
    body: unknown,
    launchedBy: UserRef,
    superuser: boolean,
  ): Outcome<Launched> | Forbidden;
  launch(
    templateId: number,
    body: unknown,
    launchedBy: UserRef = TOKEN_USER,
    superuser = true,
  ): Outcome<Launched> | Forbidden {
    const template = this.templatesById.get(templateId) as JobTemplate;
    const planned = planLaunch(template, body, (id) => this.launchCredential(id));
    if (!planned.ok) return planned;
    const usable = (id: number) => {
      const credential = this.credentialsById.get(id) as Credential;
      return credentialGrants(this.credentialRole(credential), 'use');
    };
    if (!superuser && !planned.plan.promptedCredentials.every(usable)) {
      return { ok: false, forbidden: true };
    }
    const created = this.now();
    const ignoredFields = planned.plan.ignoredFields;
    if (planned.plan.slices <= 1 && planned.plan.startRefused) {
      // The job AWX made and deleted used up its id.
      this.nextId('job');
      return { ok: false, errors: { passwords_needed_to_start: planned.plan.startRefused } };
    }
    if (planned.plan.slices > 1) {
      // Jobs and workflow jobs are both UnifiedJobs in AWX, so they share one id sequence.
      const workflowJob: WorkflowJob = {
        id: this.nextId('job'),
        name: template.name,
        jobTemplate: template.id,
        organization: template.organization,
        slices: planned.plan.slices,
        status: 'pending',
        cancelFlag: false,
        schedule: template.schedule,
        created,
        modified: created,
        started: null,
        finished: null,
        jobExplanation: '',
        extraVars: planned.plan.extraVars,
        surveyPasswords: planned.plan.surveyPasswords,
        credentials: planned.plan.credentials,
        timeout: planned.plan.timeout,
        allowSimultaneous: template.allowSimultaneous,
        launchedBy,
        passwordsMissing: planned.plan.startRefused !== undefined,
        nodes: Array.from({ length: planned.plan.slices }, () => ({
          id: this.nextId('workflow_job_node'),
          identifier: randomUUID(),
        })),
        jobs: [],
      };
      this.saveWorkflowJob(workflowJob);
      return { ok: true, value: { workflowJob, ignoredFields } };
    }
    const job: Job = {
      id: this.nextId('job'),
      name: template.name,
      jobTemplate: template.id,
      organization: template.organization,
      status: 'pending',
      created,
      modified: created,
      started: null,
      finished: null,
      jobExplanation: '',
      extraVars: planned.plan.extraVars,
      surveyPasswords: planned.plan.surveyPasswords,
      credentials: planned.plan.credentials,
      timeout: planned.plan.timeout,
      cancelFlag: false,
      canceledOn: null,
      launchedBy,
      modifiedBy: launchedBy,
      schedule: template.schedule,
      jobEnv: {},
      resultTraceback: '',
      launchType: 'manual',
      sliceNumber: 0,
      sliceCount: 1,
      sourceWorkflowJob: null,
      allowSimultaneous: template.allowSimultaneous,
    };
    this.save(job);
    return { ok: true, value: { job, ignoredFields } };
  }

  workflowJobs(): WorkflowJob[] {
    return [...this.workflowJobsById.values()];
  }

  workflowJob(id: number): WorkflowJob | undefined {
    return this.workflowJobsById.get(id);
  }

  cancelWorkflowJob(id: number): CancelOutcome {
    const job = this.workflowJobsById.get(id);
    if (!job) return 'missing';
    const canceled = cancelWorkflowJob(job, this.now());
    if (!canceled) return 'finished';
    // One already canceling keeps its jobs' timers: a cancel sent again must not put its end off.
    if (canceled !== job) {
      this.saveWorkflowJob(canceled);
      this.manageWorkflow(id);
    }
    // One canceled before it started was one the task manager could have started first.
    if (!canCancelWorkflowJob(canceled)) {
      this.held.delete(id);
      this.wakeHeld(canceled.jobTemplate);
    }
    return 'accepted';
  }

  /** Stores a workflow job's new state and arms the task manager's start of a pending one. */
  private saveWorkflowJob(job: WorkflowJob): void {
    this.workflowJobsById.set(job.id, job);
    this.arm(job.id, nextWorkflowTransitionDelay(job), () => this.startWorkflow(job.id));
  }

  /**
   * The task manager starts the workflow job, unless it holds it pending behind a unified job of
   * its template (then `settle` or `manageWorkflow` wakes it once that ended); the workflow
   * manager then spawns a job per slice.
   */
  private startWorkflow(id: number): void {
    const now = this.now();
    const current = this.workflowJobsById.get(id) as WorkflowJob;
    const blocker = this.blocker({ model: 'workflowjob', id });
    if (blocker !== undefined) {
      this.held.add(id);
      const held = holdPending(current, blocker, now);
      this.workflowJobsById.set(id, held);
      this.arm(id, held.jobExplanation ? undefined : explanationDelay(held, now), () =>
        this.startWorkflow(id),
      );
      return;
    }
    this.held.delete(id);
    const started = startWorkflowJob(current, now);
    // Jobs and workflow jobs are both UnifiedJobs in AWX, so they share one id sequence.
    const ids = Array.from({ length: started.slices }, () => this.nextId('job'));
    const spawned = spawnSlices(started, ids, now);
    this.saveWorkflowJob(spawned.workflowJob);
    for (const job of spawned.jobs) this.save(job);
    // Jobs that could not start have ended already; the workflow manager's next pass sees it.
    this.manageWorkflow(id);
  }

  /** A pass of the workflow manager over the workflow job, which its jobs' changes schedule. */
  private manageWorkflow(id: number): void {
    const workflowJob = this.workflowJobsById.get(id);
    if (!workflowJob) return;
    const jobs = workflowJob.jobs.flatMap((jobId) => this.jobsById.get(jobId) ?? []);
    const pass = manageWorkflowJob(workflowJob, jobs, this.now());
    for (const job of pass.changedJobs) this.save(job);
    if (pass.workflowJob === workflowJob) return;
    this.saveWorkflowJob(pass.workflowJob);
    if (canCancelWorkflowJob(pass.workflowJob)) return;
    this.held.delete(id);
    this.wakeHeld(pass.workflowJob.jobTemplate);
  }

  /** Removes a job from the history, as `DELETE jobs/{id}/` does once AWX allowed it. */
  deleteJob(jobId: number): void {
    this.arm(jobId, undefined, () => undefined);
    this.held.delete(jobId);
    this.short.delete(jobId);
    const job = this.jobsById.get(jobId);
    this.jobsById.delete(jobId);
    if (job) {
      this.templateJobs.set(
        job.jobTemplate,
        jobDeleted(this.templateJobState(job.jobTemplate), jobId),
      );
    }
  }

  cancel(jobId: number): CancelOutcome {
    const job = this.jobsById.get(jobId);
    if (!job) return 'missing';
    const canceled = requestCancel(job, this.now());
    if (!canceled) return 'finished';
    // A job already canceling keeps its timer: a cancel sent again must not put its end off.
    if (canceled !== job) this.settle(canceled);
    return 'accepted';
  }

  /** Stores a job's new state and arms the timer for its next transition. */
  private save(job: Job): void {
    // A job is first saved as `new` (UnifiedJobTemplate.create_unified_job), then made pending.
    const before = this.jobsById.get(job.id)?.status ?? 'new';
    this.jobsById.set(job.id, job);
    const state = this.templateJobState(job.jobTemplate);
    this.templateJobs.set(
      job.jobTemplate,
      jobSaved(state, job, before, (id) => this.jobsById.get(id)),
    );
    this.arm(job.id, nextTransitionDelay(job), () => this.transition(job.id));
  }

  /**
   * The job's next transition, unless the task manager holds it pending behind another job of
   * its template: then it waits for that job to end (`settle` wakes it), and is told why once
   * it has waited long enough.
   */
  private transition(jobId: number): void {
    const current = this.jobsById.get(jobId) as Job;
    const now = this.now();
    const blocker =
      current.status === 'pending' ? this.blocker({ model: 'job', id: jobId }) : undefined;
    if (blocker === undefined) {
      if (current.status === 'pending' && !hasRoom(this.jobsById.values(), this.capacity)) {
        this.short.add(jobId);
        this.jobsById.set(jobId, holdForCapacity(current, now));
        this.arm(jobId, explanationDelay(current, now), () => this.transition(jobId));
        return;
      }
      this.short.delete(jobId);
      this.settle(advance(current, now, this.startCheck(current)));
      return;
    }
    this.held.add(jobId);
    const held = holdPending(current, blocker, now);
    this.jobsById.set(jobId, held);
    this.arm(jobId, held.jobExplanation ? undefined : explanationDelay(held, now), () =>
      this.transition(jobId),
    );
  }

  /**
   * Saves a job's change, runs the workflow manager over the workflow job it is a slice of, and,
   * once it ended, has the task manager look again at the jobs of its template it held pending.
   */
  private settle(job: Job): void {
    this.save(job);
    if (job.sourceWorkflowJob !== null) this.manageWorkflow(job.sourceWorkflowJob);
    this.held.delete(job.id);
    if (canCancel(job)) return;
    this.short.delete(job.id);
    this.wakeHeld(job.jobTemplate);
    this.wakeShort();
  }

  /** Has the task manager look again, oldest first, at the jobs it held for capacity. */
  private wakeShort(): void {
    const ids = [...this.short].sort((a, b) => a - b);
    this.short.clear();
    for (const id of ids) {
      const job = this.jobsById.get(id);
      if (job) this.save(job);
    }
  }

  /** What holds a pending job or workflow job in a pass of the task manager over all of them. */
  private blocker(target: Blocker): Blocker | undefined {
    return blockedBy(target, this.jobsById.values(), this.workflowJobsById.values());
  }

  /** Has the task manager look again at the jobs and workflow jobs of a template it held. */
  private wakeHeld(jobTemplate: number): void {
    for (const id of this.held) {
      const job = this.jobsById.get(id);
      const workflowJob = this.workflowJobsById.get(id);
      if ((job ?? workflowJob)?.jobTemplate !== jobTemplate) continue;
      this.held.delete(id);
      if (job) this.save(job);
      else if (workflowJob) this.saveWorkflowJob(workflowJob);
    }
  }

  /** The unified job's one timer (jobs and workflow jobs share ids), replaced or cleared. */
  private arm(id: number, delay: number | undefined, transition: () => void): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    if (delay === undefined) return;
    const timer = setTimeout(transition, delay);
    timer.unref();
    this.timers.set(id, timer);
  }

  /** What the job's credentials do when it starts, as of now. */
  private startCheck(job: Job): StartCheck {
    const found = job.credentials.flatMap((id) => this.launchCredential(id) ?? []);
    return { blocker: startBlocker(found), injection: injectAll(found) };
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /**
   * AWX's services starting again on this database: what the old dispatcher ran is gone, so its
   * startup reaps the jobs left running or waiting (reaper.ts), and the task and workflow
   * managers take up the pending jobs and the workflow jobs again.
   */
  restart(): void {
    this.stop();
    this.held.clear();
    this.short.clear();
    const now = this.now();
    for (const job of [...this.jobsById.values()]) {
      const reaped = reapAtStartup(job, now);
      if (reaped) this.settle(reaped);
    }
    for (const job of [...this.jobsById.values()]) {
      if (canCancel(job) && !this.timers.has(job.id)) this.save(job);
    }
    for (const workflowJob of [...this.workflowJobsById.values()]) {
      if (!canCancelWorkflowJob(workflowJob) || this.timers.has(workflowJob.id)) continue;
      this.saveWorkflowJob(workflowJob);
      this.manageWorkflow(workflowJob.id);
    }
  }
}
