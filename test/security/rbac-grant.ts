import type { KubeClient, ResourceType } from '@roundhouse/kube';

const roles: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  namespaced: true,
};
const roleBindings: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  namespaced: true,
};

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * Grants `user` the `rules` in `namespace` through a Role and a RoleBinding both named `name`,
 * created by `admin`: how the security tests make a minted user a non-admin author. RBAC takes
 * effect a moment later, so what the user does next must be waited for.
 */
export async function grantRole(
  admin: KubeClient,
  namespace: string,
  grant: { readonly user: string; readonly name: string; readonly rules: Rule[] },
): Promise<void> {
  const { user, name, rules } = grant;
  await admin.create(roles, namespace, { metadata: { name }, rules });
  await admin.create(roleBindings, namespace, {
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
}
