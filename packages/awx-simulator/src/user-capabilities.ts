/**
 * `summary_fields.user_capabilities`, as BaseAccess.get_user_capabilities computes it for a
 * serializer's show_capabilities (awx/main/access.py), keys in its loop's order (edit, delete,
 * start, schedule, copy). A token of Read scope may do nothing, whoever its user is (`'write'
 * not in oauth_scopes`), and a System Administrator is in every role.
 *
 * A job template's (JobTemplateSerializer: start, schedule, copy, edit, delete):
 *
 * - a template with validation errors (no inventory, and none asked for on launch) may not be
 *   started, scheduled or copied, by a System Administrator either;
 * - edit is JobTemplateAccess.can_change (admin_role), delete copies edit, start is can_start
 *   (execute_role), schedule copies start;
 * - copy is can_copy, which asks can_add with the template as reference: Use on its inventory and
 *   on its project. Both are AWX's demo objects, in organization 1 (`Default`, as
 *   create_preload_data makes them), and of the simulated organization roles only `admin` holds
 *   their use_role (through inventory_admin_role and project_admin_role).
 *
 * A job's and a workflow job's (UnifiedJobSerializer: start, delete) come from JobAccess and
 * WorkflowJobAccess, a credential's, a credential type's and an organization's from their
 * access classes: see the functions below.
 */
import {
  type CredentialRole,
  credentialGrants,
  jobDeletable,
  type OrganizationRole,
  type TemplateRole,
  templateGrants,
} from './access.js';

export interface TemplateCapabilityFacts {
  readonly superuser: boolean;
  /** Whether the request's token may write: false for a token of Read scope. */
  readonly writeScope: boolean;
  /** The user's role on the template, counting what its organization passes down. */
  readonly role: TemplateRole;
  /** JobTemplate.validation_errors is not empty. */
  readonly hasValidationErrors: boolean;
  /** The user's role on `Default`, which holds the template's inventory and project. */
  readonly defaultOrganizationRole: OrganizationRole | undefined;
}

export interface TemplateCapabilities {
  readonly edit: boolean;
  readonly delete: boolean;
  readonly start: boolean;
  readonly schedule: boolean;
  readonly copy: boolean;
}

export function templateCapabilities(facts: TemplateCapabilityFacts): TemplateCapabilities {
  if (!facts.writeScope) {
    return { edit: false, delete: false, start: false, schedule: false, copy: false };
  }
  const edit = facts.superuser || templateGrants(facts.role, 'admin');
  const start =
    !facts.hasValidationErrors && (facts.superuser || templateGrants(facts.role, 'execute'));
  const copy =
    !facts.hasValidationErrors && (facts.superuser || facts.defaultOrganizationRole === 'admin');
  return { edit, delete: edit, start, schedule: start, copy };
}

export interface JobCapabilities {
  readonly delete: boolean;
  readonly start: boolean;
}

/**
 * A job's: `delete` is JobAccess.can_delete (its organization's admin), `start` its
 * get_method_capability, execute_role on the job's template. Every simulated job has one.
 */
export function jobCapabilities(facts: {
  readonly superuser: boolean;
  readonly writeScope: boolean;
  /** The user's role on the job's template, counting what its organization passes down. */
  readonly templateRole: TemplateRole;
  /** The user's role on the job's organization. */
  readonly organizationRole: OrganizationRole | undefined;
}): JobCapabilities {
  if (!facts.writeScope) return { delete: false, start: false };
  return {
    delete: facts.superuser || jobDeletable(facts.organizationRole),
    start: facts.superuser || templateGrants(facts.templateRole, 'execute'),
  };
}

/**
 * A sliced launch's workflow job, which has no workflow job template: WorkflowJobAccess
 * .can_delete lets a System Administrator through and otherwise answers the `None` of
 * `obj.workflow_job_template and ...`, which AWX shows as `null`; `start` is is_superuser.
 */
export interface WorkflowJobCapabilities {
  readonly delete: boolean | null;
  readonly start: boolean;
}

export function workflowJobCapabilities(facts: {
  readonly superuser: boolean;
  readonly writeScope: boolean;
}): WorkflowJobCapabilities {
  if (!facts.writeScope) return { delete: false, start: false };
  return { delete: facts.superuser ? true : null, start: facts.superuser };
}

export interface CredentialCapabilities {
  readonly edit: boolean;
  readonly delete: boolean;
  readonly copy: boolean;
  readonly use: boolean;
}

/**
 * A credential's (CredentialSerializer: edit, delete, copy, use): edit is CredentialAccess
 * .can_change (admin_role), delete copies edit, and copy is can_copy, whose can_add is given
 * the credential as reference and no owner field, so it refuses anyone but a System
 * Administrator. CredentialAccess.get_user_capabilities then adds `use` (use_role), which a
 * token's scope does not touch, and refuses edit and delete of a managed credential.
 */
export function credentialCapabilities(facts: {
  readonly superuser: boolean;
  readonly writeScope: boolean;
  /** The user's role on the credential, counting what its organization passes down. */
  readonly role: CredentialRole;
  readonly managed: boolean;
}): CredentialCapabilities {
  const edit =
    facts.writeScope &&
    !facts.managed &&
    (facts.superuser || credentialGrants(facts.role, 'admin'));
  return {
    edit,
    delete: edit,
    copy: facts.writeScope && facts.superuser,
    use: facts.superuser || credentialGrants(facts.role, 'use'),
  };
}

/**
 * A credential type's (CredentialTypeSerializer: edit, delete): CredentialTypeAccess keeps
 * BaseAccess.can_change, a System Administrator's, and delete copies it. Neither asks whether
 * the type is managed: the serializer's validate and the view refuse changing one.
 */
export function credentialTypeCapabilities(facts: {
  readonly superuser: boolean;
  readonly writeScope: boolean;
}): { readonly edit: boolean; readonly delete: boolean } {
  const edit = facts.writeScope && facts.superuser;
  return { edit, delete: edit };
}

/**
 * An organization's (OrganizationSerializer: edit, delete): OrganizationAccess.can_change is its
 * admin_role, and delete copies it.
 */
export function organizationCapabilities(facts: {
  readonly superuser: boolean;
  readonly writeScope: boolean;
  readonly role: OrganizationRole;
}): { readonly edit: boolean; readonly delete: boolean } {
  const edit = facts.writeScope && (facts.superuser || facts.role === 'admin');
  return { edit, delete: edit };
}
