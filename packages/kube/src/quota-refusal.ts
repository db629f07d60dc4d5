/**
 * The ResourceQuota admission plugin's refusal of an object past a quota's hard limit, as the
 * API server words it (apiserver's pkg/admission/plugin/resourcequota/controller.go,
 * `checkRequest`, the cause of a NewForbidden): `exceeded quota: <quota>, requested: <list>,
 * used: <list>, limited: <list>`, each list `prettyPrint`'s `<resource>=<quantity>` terms joined
 * by `,` with no spaces. `<quota>` is a ResourceQuota's name, a DNS subdomain name.
 */
const exceededQuota =
  /exceeded quota: ([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?:, requested: ([^\s,=]+=[^\s,]+(?:,[^\s,=]+=[^\s,]+)*), used: )?/;

/**
 * A quota refusal's text fit to show an execution's author: `…exceeded quota: <quota>,
 * resources: <names>` (the wording the same plugin gives a quota it has not counted yet,
 * `status unknown for quota: <quota>, resources: <names>`), with whatever came before it, and
 * none of the `requested`, `used` and `limited` quantities. A quota counts everything in its
 * namespace, so where one namespace runs many tenants' executions its figures tell one author
 * what the others use. A refusal worded otherwise is cut right after the quota's name; a text
 * with no `exceeded quota: <quota>` is returned as is. Only the text: whether an error is a
 * quota refusal is for the caller to tell, by status code or an Event's reason.
 */
export function withoutQuotaUsage(message: string): string {
  const found = exceededQuota.exec(message);
  if (!found) return message;
  const head = `${message.slice(0, found.index)}exceeded quota: ${found[1]}`;
  const resources = found[2]
    ?.split(',')
    .map((term) => term.slice(0, term.indexOf('=')))
    .join(',');
  return resources ? `${head}, resources: ${resources}` : head;
}
