/**
 * What the token's user may do when it is not a System Administrator, as AWX's access.py decides
 * from the user's roles (a System Administrator may do all of it). The simulator has one user,
 * so a template or credential records the highest role granted on it, and an organization the
 * one role the user holds there; what AWX derives from the organization's roles is counted on
 * top. AWX's roles nest: a job template's admin_role (a child of its organization's
 * job_template_admin_role) is a parent of its execute_role (also a child of the organization's
 * execute_role), which is a parent of its read_role (also a child of the organization's
 * auditor_role); an organization's admin_role is a parent of all its other roles but
 * auditor_role, and each of them reads it; a credential's admin_role (a child of its
 * organization's credential_admin_role) is a parent of its use_role, which is a parent of its
 * read_role (also a child of the organization's auditor_role).
 */
import { exactNumber, pythonIntOrUndefined } from './python-int-text.js';
import { isJsonObject, isRawJson, pythonTypeName } from './python-json.js';
import { pythonTruth } from './python-operators.js';
import { AwxServerError } from './replies.js';

export const TEMPLATE_ROLES = ['none', 'read', 'execute', 'admin'] as const;
export type TemplateRole = (typeof TEMPLATE_ROLES)[number];

/**
 * Not ordered: each but `none` reads the organization, and `admin` holds every other but
 * `auditor` (whose reads it has anyway).
 */
export const ORGANIZATION_ROLES = [
  'none',
  'member',
  'auditor',
  'execute',
  'job_template_admin',
  'credential_admin',
  'admin',
] as const;
export type OrganizationRole = (typeof ORGANIZATION_ROLES)[number];

export const CREDENTIAL_ROLES = ['none', 'read', 'use', 'admin'] as const;
export type CredentialRole = (typeof CREDENTIAL_ROLES)[number];

/**
 * The user's role on a credential: the one granted on it, or what its organization's roles pass
 * down (admin through admin or credential_admin, read through auditor), whichever is higher. A
 * member of the organization gets nothing from it.
 */
export function credentialRole(
  granted: CredentialRole,
  organizationRole: OrganizationRole | undefined,
): CredentialRole {
  const throughOrganization: CredentialRole =
    organizationRole === 'admin' || organizationRole === 'credential_admin'
      ? 'admin'
      : organizationRole === 'auditor'
        ? 'read'
        : 'none';
  return higher(CREDENTIAL_ROLES, granted, throughOrganization);
}

/** The higher of two roles of one nested list, as holding both grants. */
function higher<Role extends string>(order: readonly Role[], a: Role, b: Role): Role {
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

/** Whether `role` on a credential includes `needed`, as AWX's nested roles do. */
export function credentialGrants(
  role: CredentialRole,
  needed: Exclude<CredentialRole, 'none'>,
): boolean {
  return CREDENTIAL_ROLES.indexOf(role) >= CREDENTIAL_ROLES.indexOf(needed);
}

/** A user as a job's `launched_by` names it. */
export interface UserRef {
  readonly id: number;
  readonly username: string;
}

/** The user the simulator's token authenticates as (`me/`). */
export const TOKEN_USER: UserRef = { id: 1, username: 'admin' };

/**
 * The user's role on a job template: the one granted on it, or what its organization's roles
 * pass down (JobTemplate.admin_role from job_template_admin_role and so admin_role,
 * execute_role from execute_role, read_role from auditor_role), whichever is higher. A member
 * of the organization gets nothing from it.
 */
export function templateRole(
  granted: TemplateRole,
  organizationRole: OrganizationRole | undefined,
): TemplateRole {
  const throughOrganization: TemplateRole =
    organizationRole === 'admin' || organizationRole === 'job_template_admin'
      ? 'admin'
      : organizationRole === 'execute'
        ? 'execute'
        : organizationRole === 'auditor'
          ? 'read'
          : 'none';
  return higher(TEMPLATE_ROLES, granted, throughOrganization);
}

/** Whether `role` on a job template includes `needed`, as AWX's nested roles do. */
export function templateGrants(role: TemplateRole, needed: Exclude<TemplateRole, 'none'>): boolean {
  return TEMPLATE_ROLES.indexOf(role) >= TEMPLATE_ROLES.indexOf(needed);
}

/** OrganizationAccess reads through read_role, which every other organization role implies. */
export function organizationReadable(role: OrganizationRole): boolean {
  return role !== 'none';
}

/**
 * JobAccess.filtered_queryset: a job of a template the user reads (its derived role), or of an
 * organization the user is an admin or auditor of, whatever its role on the template.
 */
export function jobReadable(
  templateRole: TemplateRole,
  organizationRole: OrganizationRole | undefined,
): boolean {
  return (
    templateGrants(templateRole, 'read') ||
    organizationRole === 'admin' ||
    organizationRole === 'auditor'
  );
}

/**
 * JobAccess.can_cancel: only what can still be canceled, and then the user's own job, or any job
 * of a template it is an admin of, counting what the organization passes down (so its admin or
 * job template admin cancels them). The view lets a System Administrator through before this.
 */
export function jobCancelable(
  cancelable: boolean,
  launchedBy: UserRef,
  templateRole: TemplateRole,
): boolean {
  return cancelable && (launchedBy.id === TOKEN_USER.id || templateRole === 'admin');
}

/**
 * WorkflowJobAccess.can_cancel for a sliced launch's workflow job: only what can still be
 * canceled, and then only by whoever launched it, as the admin of its workflow job template
 * (can_delete) cannot be anyone: it has none. The view lets a System Administrator through first.
 */
export function workflowJobCancelable(cancelable: boolean, launchedBy: UserRef): boolean {
  return cancelable && launchedBy.id === TOKEN_USER.id;
}

/**
 * JobAccess.can_delete: an admin of the job's organization, whatever the job's state (the view
 * refuses a running one after this). A System Administrator passes before it is asked.
 */
export function jobDeletable(organizationRole: OrganizationRole | undefined): boolean {
  return organizationRole === 'admin';
}

/** What CredentialAccess.can_add answers: a ParseError of get_object_from_data is a 400. */
export type CredentialAddCheck =
  | { readonly allowed: true }
  | { readonly allowed: false }
  | { readonly allowed: false; readonly badRequest: string };

export interface OwnerLookups {
  /** The user's role on an organization, `undefined` when there is none with this id. */
  readonly organizationRole: (id: number) => OrganizationRole | undefined;
}

/**
 * Python's int() of a JSON value, as get_object_from_data takes a related field's pk: an integer
 * of any size, text int() reads, a float truncated; NaN is a ValueError (`undefined`, which AWX
 * words), and an infinity an OverflowError, which it does not catch.
 */
function pythonInt(value: unknown): bigint | undefined {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return undefined;
    if (!Number.isFinite(value)) {
      throw new AwxServerError('OverflowError: cannot convert float infinity to integer');
    }
    return BigInt(Math.trunc(value));
  }
  if (isRawJson(value)) {
    return pythonTypeName(value) === 'float'
      ? BigInt(Math.trunc(Number(value.rawJSON)))
      : BigInt(value.rawJSON);
  }
  return typeof value === 'string' ? pythonIntOrUndefined(value) : undefined;
}

/**
 * CredentialAccess.can_add for a user who is not a System Administrator, on the request's raw
 * data and before the serializer sees it: each owner given must be one the user may give
 * credentials to (itself, a team it administers, an organization where it is an admin or
 * credential admin), and one must be given. A body of nothing passes, for the browsable API.
 */
export function canAddCredential(data: unknown, lookups: OwnerLookups): CredentialAddCheck {
  if (!isJsonObject(data) || Object.keys(data).length === 0) return { allowed: true };
  const owners = [
    ['user', 'User'],
    ['team', 'Team'],
    ['organization', 'Organization'],
  ] as const;
  for (const [field, model] of owners) {
    if (!pythonTruth(data[field])) continue;
    const pk = pythonInt(data[field]);
    if (pk === undefined) {
      return { allowed: false, badRequest: `Bad data found in related field ${field}.` };
    }
    const missing = { allowed: false, badRequest: `${model} matching query does not exist.` };
    // The simulator has one user and no teams.
    if (field === 'user' && pk !== BigInt(TOKEN_USER.id)) return missing;
    if (field === 'team') return missing;
    if (field === 'organization') {
      const id = exactNumber(pk);
      const role = id === undefined ? undefined : lookups.organizationRole(id);
      if (role === undefined) return missing;
      if (role !== 'admin' && role !== 'credential_admin') return { allowed: false };
    }
  }
  return owners.some(([field]) => pythonTruth(data[field]))
    ? { allowed: true }
    : { allowed: false };
}
