import {
  ConfigurationError,
  type FieldIssue,
  isDns1123Label,
  isDns1123Subdomain,
  type ResourceType,
} from '@roundhouse/core';
import { resources } from '@roundhouse/kube';
import { clusterPrefixed, clusterScopedKindPattern, clusterScopedKinds } from './builtin-kinds.js';
import { workflowExecutionApi } from './resource.js';

/**
 * The controller may `get` every Secret and ConfigMap of its execution namespace and runs
 * workloads as any ServiceAccount there, so a WorkflowExecution that names a dependency or a
 * ServiceAccount asks the controller to act for its author: without a check, anyone who may
 * create a WorkflowExecution can mount a Secret they may not read, or run as a ServiceAccount
 * they may not use (a confused deputy). This ValidatingAdmissionPolicy makes the API server
 * refuse such a WorkflowExecution at CREATE, asking its own authorizer about the request's
 * user:
 *
 * - each `spec.dependencies.secrets[].name` and `spec.workflowRef.dependencies.secrets[].name`
 *   (kubernaut's two shapes): may the author `get` that Secret in the execution namespace?
 * - each ConfigMap of either list: may the author `get` that ConfigMap there?
 * - `spec.executionConfig.serviceAccountName` and `spec.workflowRef.serviceAccountName`, each
 *   when set and not empty: may the author `create`
 *   `serviceaccounts/token` for that ServiceAccount there? Minting a token *is* acting as the
 *   ServiceAccount, so it is the one permission that says "may run as it". `impersonate` is a
 *   cluster-wide user-impersonation grant few users hold even when they may use a
 *   ServiceAccount, and `create pods` in the namespace would admit anyone who may run any pod
 *   there as any ServiceAccount of it. An absent or empty name means the controller's default
 *   runner, which the operator chose, and is not checked.
 *
 * - `spec.targetResource` in another namespace: may the author `create` WorkflowExecutions
 *   in that namespace (in every namespace, for a cluster-scoped target)? See
 *   {@link targetValidation}.
 *
 * Only CREATE is matched: the spec is immutable (a CEL rule of the CRD), so nothing an update
 * could change is checked here, and an UPDATE rule would evaluate the controller's own
 * finalizer and status writes against its identity.
 *
 * The CEL cost of an authorizer check (350,000 of a 1,000,000 per-expression limit and a
 * 10,000,000 per-request budget) allows two checks per expression and about 28 per request (this policy makes at most 25), so
 * each dependency is checked by its own validation ("slot"), for the first
 * {@link admissionPolicyNamedChecks} Secrets and ConfigMaps. A WorkflowExecution with more is
 * admitted only if its author may `get` every Secret (or ConfigMap) of the execution namespace;
 * otherwise it is refused with a message saying so. Every error (an evaluation error, a budget
 * exhausted) refuses too: `failurePolicy: Fail`.
 *
 * Dependencies a controller resolves from elsewhere (`resolveDependencies`) are its operator's
 * choice, not the author's, and are not checked: the hook must give them only to workflows the
 * operator trusts with them (an engine that runs the author's own code should refuse
 * them unless its operator opts in).
 */
export interface WorkflowExecutionAdmissionPolicyOptions {
  /** The controller's execution namespace, where Jobs and PipelineRuns run. */
  readonly executionNamespace: string;
  /** Name of the policy and its binding; default {@link defaultAdmissionPolicyName}. */
  readonly name?: string | undefined;
  /**
   * Cluster-scoped kinds of custom resources a target may name, besides the built-in ones and
   * any `Cluster<Something>` kind (see builtin-kinds.ts): each spelling targets use, the
   * kind, its plural or a short name (`GatewayClass`, `gatewayclasses`), compared in lower case.
   * A cluster-scoped kind missing here lets an author aim a workflow at it by putting their own
   * namespace in front (`team-a/GatewayClass/public`).
   */
  readonly clusterScopedKinds?: readonly string[] | undefined;
  /** The group the controller serves WorkflowExecutions under; default roundhouse.dev. */
  readonly apiGroup?: string | undefined;
}

export const defaultAdmissionPolicyName = 'roundhouse-workflowexecution-author-access';

/** How many Secrets and how many ConfigMaps the policy checks by name, within the CEL budget. */
export const admissionPolicyNamedChecks = 10;

/** Kube's, under the names this package has always exported them by. */
export const { validatingAdmissionPolicies, validatingAdmissionPolicyBindings } = resources;

interface Validation {
  readonly expression: string;
  readonly messageExpression: string;
  readonly message: string;
  readonly reason: 'Forbidden';
}

const dependencyKinds = [
  {
    field: 'secrets',
    resource: 'secrets',
    kind: 'Secret',
    variable: 'secretNames',
    specCount: 'specSecretCount',
  },
  {
    field: 'configMaps',
    resource: 'configmaps',
    kind: 'ConfigMap',
    variable: 'configMapNames',
    specCount: 'specConfigMapCount',
  },
] as const;

type DependencyKind = (typeof dependencyKinds)[number];

const author = 'request.userInfo.username';
const namespace = 'variables.executionNamespace';

/** `authorizer.group('').resource(...)[.subresource(...)].namespace(<execution namespace>)` */
function coreResource(resource: string, subresource?: string): string {
  const sub = subresource ? `.subresource('${subresource}')` : '';
  return `authorizer.group('').resource('${resource}')${sub}.namespace(${namespace})`;
}

/**
 * The field of the dependency at `index` of the concatenated list: `spec.dependencies` first,
 * then `spec.workflowRef.dependencies`.
 */
function slotPath(dep: DependencyKind, index: number): string {
  const specCount = `variables.${dep.specCount}`;
  return (
    `(${index} < ${specCount} ? 'spec.dependencies.${dep.field}[${index}]' : ` +
    `'spec.workflowRef.dependencies.${dep.field}[' + string(${index} - ${specCount}) + ']')`
  );
}

/** One slot: the dependency at `index`, if the list is that long, must be readable. */
function slotValidation(dep: DependencyKind, index: number): Validation {
  const names = `variables.${dep.variable}`;
  const absent = `size(${names}) <= ${index}`;
  const name = `${names}[${index}]`;
  return {
    expression: `${absent} || ${coreResource(dep.resource)}.name(${name}).check('get').allowed()`,
    messageExpression:
      `${absent} ? '' : ${slotPath(dep, index)} + ': ' + ${author} + ` +
      `' may not get ${dep.kind} "' + ${name} + '" in namespace ' + ${namespace} + ` +
      `' (missing permission: get ${dep.resource} "' + ${name} + '" in namespace ' + ${namespace} + ` +
      `'), so a WorkflowExecution of theirs may not use it'`,
    message: `dependency ${dep.kind} ${index} of spec.dependencies.${dep.field} and spec.workflowRef.dependencies.${dep.field}: the author may not get it in the execution namespace`,
    reason: 'Forbidden',
  };
}

/** Beyond the slots, only an author who may get every object of the kind is admitted. */
function overflowValidation(dep: DependencyKind): Validation {
  const names = `variables.${dep.variable}`;
  const within = `size(${names}) <= ${admissionPolicyNamedChecks}`;
  return {
    expression: `${within} || ${coreResource(dep.resource)}.check('get').allowed()`,
    messageExpression:
      `${within} ? '' : 'spec.dependencies.${dep.field} and spec.workflowRef.dependencies.${dep.field} list ' + string(size(${names})) + ` +
      `' ${dep.kind}s; at most ${admissionPolicyNamedChecks} are checked one by one, and ' + ${author} + ` +
      `' may not get every ${dep.kind} in namespace ' + ${namespace} + ` +
      `' (missing permission: get ${dep.resource} in namespace ' + ${namespace} + ')'`,
    message: `spec.dependencies.${dep.field} and spec.workflowRef.dependencies.${dep.field}: more than ${admissionPolicyNamedChecks} ${dep.kind}s, and the author may not get every ${dep.kind} in the execution namespace`,
    reason: 'Forbidden',
  };
}

/** Where kubernaut's two shapes name the ServiceAccount, and the variable holding each. */
const serviceAccountFields = [
  { field: 'spec.executionConfig.serviceAccountName', variable: 'serviceAccountName' },
  { field: 'spec.workflowRef.serviceAccountName', variable: 'refServiceAccountName' },
] as const;

function serviceAccountValidation({
  field,
  variable,
}: (typeof serviceAccountFields)[number]): Validation {
  const sa = `variables.${variable}`;
  return {
    expression: `${sa} == '' || ${coreResource('serviceaccounts', 'token')}.name(${sa}).check('create').allowed()`,
    messageExpression:
      `${sa} == '' ? '' : '${field}: ' + ${author} + ` +
      `' may not run as ServiceAccount "' + ${sa} + '" in namespace ' + ${namespace} + ` +
      `' (missing permission: create serviceaccounts/token "' + ${sa} + '" in namespace ' + ${namespace} + ` +
      `'); omit serviceAccountName to run as the default runner of the controller'`,
    message: `${field}: the author may not create tokens for this ServiceAccount in the execution namespace; omit it to run as the default runner of the controller`,
    reason: 'Forbidden',
  };
}

const targetParts = 'variables.targetParts';
const clusterKind = 'variables.targetHasClusterKind';

/**
 * The target may be in another namespace only for an author who may create WorkflowExecutions
 * there: the workflow acts on the target as the controller's runner, and the target's lock and
 * cooldown hold back that namespace's own executions, so aiming at a namespace must take no
 * more than running a workflow from it would. A cluster-scoped target (`kind/name`, a Node, or
 * `namespace/kind/name` of a cluster-scoped kind, whose namespace means nothing) takes the right
 * to create WorkflowExecutions in every namespace. Which kinds are cluster-scoped the policy
 * cannot ask discovery: it knows the built-in ones, any `Cluster<Something>`, and those the
 * operator lists (`clusterScopedKinds`). A target of another shape is left to the controller,
 * which fails it with ConfigurationError.
 */
function targetValidation({ group, plural }: ResourceType): Validation {
  const authorizerFor = `authorizer.group('${group}').resource('${plural}')`;
  const targetNamespace = `${targetParts}[0]`;
  const namespaced = `size(${targetParts}) == 3 && !${clusterKind}`;
  const clusterScoped = `size(${targetParts}) == 2 || ${clusterKind}`;
  const kind = `${targetParts}[size(${targetParts}) - 2]`;
  const name = `${targetParts}[size(${targetParts}) - 1]`;
  return {
    expression:
      `${namespaced} ? (${targetNamespace} == request.namespace || ` +
      `${authorizerFor}.namespace(${targetNamespace}).check('create').allowed()) : ` +
      `${clusterScoped} ? ${authorizerFor}.check('create').allowed() : true`,
    messageExpression:
      `${namespaced} ? 'spec.targetResource: ' + ${author} + ' may not target namespace ' + ` +
      `${targetNamespace} + ' (missing permission: create ${plural}.${group} in namespace ' + ` +
      `${targetNamespace} + '); create the WorkflowExecution in namespace ' + ${targetNamespace} + ` +
      `' instead' : 'spec.targetResource: ' + ${author} + ' may not target the cluster-scoped ' + ` +
      `${kind} + ' "' + ${name} + '" (missing permission: create ${plural}.${group} in every namespace)'`,
    message:
      'spec.targetResource: the author may not create WorkflowExecutions in the namespace of the target (in every namespace, for a cluster-scoped target)',
    reason: 'Forbidden',
  };
}

/**
 * The ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) that refuses a
 * WorkflowExecution whose author may not read its dependencies or use its ServiceAccount in
 * `executionNamespace`, and its binding (`validationActions: [Deny]`, every namespace). Pure;
 * apply both with cluster-admin rights next to the CRD (see `ensureWorkflowExecutionAdmissionPolicy`
 * or deploy/admission-policy.yaml). The namespace is part of the policy, so a second controller
 * with another execution namespace needs its own policy, under another `name`.
 */
export function workflowExecutionAdmissionPolicy(options: WorkflowExecutionAdmissionPolicyOptions) {
  const { executionNamespace } = options;
  const name = options.name ?? defaultAdmissionPolicyName;
  const issues: FieldIssue[] = [];
  // The namespace goes into a CEL string literal: a DNS label cannot break out of one.
  if (!isDns1123Label(executionNamespace)) {
    issues.push({
      path: 'executionNamespace',
      message: 'must be a namespace name (DNS-1123 label)',
    });
  }
  if (!isDns1123Subdomain(name)) {
    issues.push({ path: 'name', message: 'must be a lowercase DNS-1123 subdomain' });
  }
  const extraKinds = options.clusterScopedKinds ?? [];
  extraKinds.forEach((kind, index) => {
    // Each goes into a CEL list of string literals: such a name cannot break out of one.
    if (!clusterScopedKindPattern.test(kind)) {
      issues.push({
        path: `clusterScopedKinds[${index}]`,
        message:
          'must be a kind, plural or short name (letters, digits and inner "-"), e.g. GatewayClass',
      });
    }
  });
  if (issues.length) throw new ConfigurationError(issues);
  // Its group goes into CEL string literals: workflowExecutionApi refuses one that is no DNS name.
  const { resource } = workflowExecutionApi(options.apiGroup);
  const kinds = [...new Set([...clusterScopedKinds, ...extraKinds.map((k) => k.toLowerCase())])];

  const validations: Validation[] = [];
  for (const dep of dependencyKinds) {
    for (let index = 0; index < admissionPolicyNamedChecks; index++) {
      validations.push(slotValidation(dep, index));
    }
    validations.push(overflowValidation(dep));
  }
  for (const field of serviceAccountFields) validations.push(serviceAccountValidation(field));
  validations.push(targetValidation(resource));

  const labels = { 'app.kubernetes.io/part-of': 'roundhouse' };
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [resource.group],
            apiVersions: ['*'],
            operations: ['CREATE'],
            resources: [resource.plural],
          },
        ],
      },
      variables: [
        { name: 'executionNamespace', expression: `'${executionNamespace}'` },
        ...dependencyKinds.flatMap(({ field, variable, specCount }) => [
          {
            name: specCount,
            expression: `size(object.spec.?dependencies.?${field}.orValue([]))`,
          },
          {
            name: variable,
            expression:
              `object.spec.?dependencies.?${field}.orValue([]).map(d, d.name) + ` +
              `object.spec.?workflowRef.?dependencies.?${field}.orValue([]).map(d, d.name)`,
          },
        ]),
        {
          name: 'targetParts',
          expression: "object.spec.?targetResource.orValue('').split('/')",
        },
        {
          name: 'targetHasClusterKind',
          expression:
            `size(${targetParts}) == 3 && (${targetParts}[1].lowerAscii() in ${JSON.stringify(kinds)} || ` +
            `${clusterPrefixed(`${targetParts}[1].lowerAscii()`)})`,
        },
        {
          name: 'serviceAccountName',
          expression: "object.spec.?executionConfig.?serviceAccountName.orValue('')",
        },
        {
          name: 'refServiceAccountName',
          expression: "object.spec.?workflowRef.?serviceAccountName.orValue('')",
        },
      ],
      validations,
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  return { policy, binding };
}

export type WorkflowExecutionAdmissionPolicy = ReturnType<typeof workflowExecutionAdmissionPolicy>;
