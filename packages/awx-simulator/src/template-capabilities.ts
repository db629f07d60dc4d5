/**
 * A job template's `summary_fields.user_capabilities`, as BaseAccess.get_user_capabilities
 * computes it for JobTemplateSerializer's show_capabilities (awx/main/access.py, in its loop's
 * order: edit, delete, start, schedule, copy):
 *
 * - a token of Read scope may do nothing, whoever its user is (`'write' not in oauth_scopes`);
 * - a template with validation errors (no inventory, and none asked for on launch) may not be
 *   started, scheduled or copied, by a System Administrator either;
 * - edit is JobTemplateAccess.can_change (admin_role), delete copies edit, start is can_start
 *   (execute_role), schedule copies start;
 * - copy is can_copy, which asks can_add with the template as reference: Use on its inventory and
 *   on its project. Both are AWX's demo objects, in organization 1 (`Default`, as
 *   create_preload_data makes them), and of the simulated organization roles only `admin` holds
 *   their use_role (through inventory_admin_role and project_admin_role).
 *
 * A System Administrator is in every role.
 */
import { type OrganizationRole, type TemplateRole, templateGrants } from './access.js';

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
