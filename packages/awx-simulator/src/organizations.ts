/** Organizations: AWX ships one named `Default`; credentials and templates belong to one. */
import type { OrganizationRole } from './access.js';
import type { Model } from './filters.js';
import { objectRoles } from './object-roles.js';
import { formatTimestamp, type Micros } from './timestamps.js';
import { authorLinks, authorSummaries, BY_TOKEN_USER } from './users.js';

/**
 * `Default`, the store's first organization, which holds AWX's demo inventory and project
 * (create_preload_data), the ones every simulated template uses.
 */
export const DEFAULT_ORGANIZATION = 1;

export interface Organization {
  readonly id: number;
  readonly name: string;
  readonly description: string;
  /** The token's user's role here, which matters when it is not a System Administrator. */
  readonly role: OrganizationRole;
  readonly created: Micros;
  /** Its admin_role's id, the first of its roles' (object-roles.ts). */
  readonly firstRoleId: number;
}

export const organizationModel: Model<Organization> = {
  objectName: 'Organization',
  ordering: ['name'],
  fields: {
    id: { kind: 'int', value: (o) => o.id },
    name: { kind: 'char', value: (o) => o.name },
    description: { kind: 'char', value: (o) => o.description },
    created: { kind: 'datetime', value: (o) => o.created },
    modified: { kind: 'datetime', value: (o) => o.created },
  },
};

export function serializeOrganization(
  org: Organization,
  prefix: string,
  capabilities: { readonly edit: boolean; readonly delete: boolean },
): Record<string, unknown> {
  const url = `${prefix}organizations/${org.id}/`;
  return {
    id: org.id,
    type: 'organization',
    url,
    related: {
      ...authorLinks(BY_TOKEN_USER, prefix),
      credentials: `${url}credentials/`,
      job_templates: `${url}job_templates/`,
    },
    summary_fields: {
      ...authorSummaries(BY_TOKEN_USER),
      object_roles: objectRoles('organization', org.firstRoleId),
      user_capabilities: capabilities,
    },
    created: formatTimestamp(org.created),
    modified: formatTimestamp(org.created),
    name: org.name,
    description: org.description,
    max_hosts: 0,
    custom_virtualenv: null,
    default_environment: null,
  };
}
