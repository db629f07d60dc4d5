/**
 * `summary_fields.object_roles`: BaseSerializer.get_summary_fields (awx/api/serializers.py) names
 * every ImplicitRoleField of the object's model, in `_meta.get_fields()` order (declaration
 * order: each simulated model declares its own), as role_summary_fields_generator
 * (awx/main/models/rbac.py) writes it: `description`, `name`, then `id`, the role's row in
 * main_rbac_roles. ImplicitRoleField._post_save makes an object's roles in one bulk_create as the
 * object is first saved, so their ids follow one another in declaration order and are never
 * shared with another object's.
 */

/** The simulated models that have roles; a job, a workflow job and a credential type have none. */
export type RoleModel = 'organization' | 'credential' | 'job_template';

// Organization, Credential and JobTemplate's ImplicitRoleFields (awx/main/models/organization.py,
// credential.py, jobs.py), in the order they are declared.
const ROLE_FIELDS: Readonly<Record<RoleModel, readonly string[]>> = {
  organization: [
    'admin_role',
    'execute_role',
    'project_admin_role',
    'inventory_admin_role',
    'credential_admin_role',
    'workflow_admin_role',
    'notification_admin_role',
    'job_template_admin_role',
    'execution_environment_admin_role',
    'auditor_role',
    'member_role',
    'read_role',
    'approval_role',
  ],
  credential: ['admin_role', 'use_role', 'read_role'],
  job_template: ['admin_role', 'execute_role', 'read_role'],
};

// rbac.py's role_names and role_descriptions, for the fields above.
const ROLE_NAMES: Readonly<Record<string, string>> = {
  admin_role: 'Admin',
  project_admin_role: 'Project Admin',
  inventory_admin_role: 'Inventory Admin',
  credential_admin_role: 'Credential Admin',
  job_template_admin_role: 'Job Template Admin',
  execution_environment_admin_role: 'Execution Environment Admin',
  workflow_admin_role: 'Workflow Admin',
  notification_admin_role: 'Notification Admin',
  auditor_role: 'Auditor',
  execute_role: 'Execute',
  member_role: 'Member',
  read_role: 'Read',
  use_role: 'Use',
  approval_role: 'Approve',
};

const ROLE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  admin_role: 'Can manage all aspects of the %s',
  project_admin_role: 'Can manage all projects of the %s',
  inventory_admin_role: 'Can manage all inventories of the %s',
  credential_admin_role: 'Can manage all credentials of the %s',
  job_template_admin_role: 'Can manage all job templates of the %s',
  execution_environment_admin_role: 'Can manage all execution environments of the %s',
  workflow_admin_role: 'Can manage all workflows of the %s',
  notification_admin_role: 'Can manage all notifications of the %s',
  auditor_role: 'Can view all aspects of the %s',
  member_role: 'User is a member of the %s',
  read_role: 'May view settings for the %s',
  use_role: 'Can use the %s in a job template',
  approval_role: 'Can approve or deny a workflow approval node',
};

/**
 * execute_role's description is a dict keyed by model name, whose `default` stands for any model
 * it does not name: only an organization has its own.
 */
function description(field: string, modelName: string): string {
  if (field === 'execute_role') {
    return modelName === 'organization'
      ? 'May run any executable resources in the organization'
      : `May run the ${modelName}`;
  }
  return (ROLE_DESCRIPTIONS[field] as string).replace('%s', modelName);
}

/** The generator's model name: the class name split before each capital, lowercased. */
const MODEL_NAMES: Readonly<Record<RoleModel, string>> = {
  organization: 'organization',
  credential: 'credential',
  job_template: 'job template',
};

/**
 * OrganizationSerializer.get_summary_fields marks the roles a team cannot be given, as a hint to
 * the UI.
 */
const USER_ONLY: Readonly<Record<RoleModel, readonly string[]>> = {
  organization: ['admin_role', 'member_role'],
  credential: [],
  job_template: [],
};

export interface RoleSummary {
  readonly description: string;
  readonly name: string;
  readonly id: number;
  readonly user_only?: true | undefined;
}

/** How many role rows an object of the model has, so how many ids its creation takes. */
export function roleCount(model: RoleModel): number {
  return ROLE_FIELDS[model].length;
}

/** The object's `object_roles`, its roles' ids counting up from `firstRoleId`. */
export function objectRoles(model: RoleModel, firstRoleId: number): Record<string, RoleSummary> {
  const modelName = MODEL_NAMES[model];
  return Object.fromEntries(
    ROLE_FIELDS[model].map((field, index) => [
      field,
      {
        description: description(field, modelName),
        name: ROLE_NAMES[field] as string,
        id: firstRoleId + index,
        ...(USER_ONLY[model].includes(field) ? { user_only: true as const } : {}),
      },
    ]),
  );
}
