/** What the API server refused, in the words `kubectl create role` takes. */
export interface Refusal {
  readonly verb: string;
  /** `plural.group`, `plural` for the core group, with its subresource: `jobs.batch`, `pods/log`. */
  readonly resource: string;
  /** `undefined` for a cluster-scoped refusal. */
  readonly namespace: string | undefined;
}

const rbacMessage =
  /cannot (\S+) resource "([^"/]+)(?:\/([^"]+))?" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)/;

/**
 * The access an RBAC refusal names (`User "u" cannot list resource "pods" in API group "" in the
 * namespace "ns"`): what the server refused, which a command that makes several calls cannot
 * tell from the call alone (`logs` reads the Job, lists its pods, then reads their log).
 * `undefined` for a message in another shape (a webhook authorizer's).
 */
export function refusalOf(message: string): Refusal | undefined {
  const match = rbacMessage.exec(message);
  if (!match) return undefined;
  const [, verb = '', plural = '', subresource, group, namespace] = match;
  return {
    verb,
    resource: `${plural}${group ? `.${group}` : ''}${subresource ? `/${subresource}` : ''}`,
    namespace,
  };
}
