import type { KubeObject } from '@roundhouse/kube';
import { taskActionCrd } from './crd.js';
import { group, plural, version } from './resource.js';

/** What a signaller writes of a condition's status: everything else is the controller's. */
export const signalFields = ['signalValue', 'signalledBy', 'signalledAt'] as const;

export const defaultSignalPolicyName = 'roundhouse-taskaction-signallers';

export interface SignalPolicyOptions {
  /**
   * The user names the controller writes status as (its ServiceAccount's,
   * `system:serviceaccount:<namespace>:<name>`): only they change more than the signal.
   */
  readonly controllerUsers: readonly string[];
  readonly name?: string | undefined;
}

/** The status fields the CRD stores, from the CRD itself, so a field added there is guarded. */
function statusFields(): string[] {
  const crd = taskActionCrd() as unknown as {
    spec: {
      versions: { schema: { openAPIV3Schema: { properties: { status: JsonObject } } } }[];
    };
  };
  const status = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.status;
  return Object.keys(status?.properties ?? {});
}

type JsonObject = { properties?: Record<string, unknown> | undefined };

/** `field` of the status is as it was: present in both and equal, or absent from both. */
function unchanged(field: string): string {
  const now = `has(object.status) && has(object.status.${field})`;
  const before = `has(oldObject.status) && has(oldObject.status.${field})`;
  return `((${now}) == (${before}) && (!(${now}) || object.status.${field} == oldObject.status.${field}))`;
}

/**
 * The ValidatingAdmissionPolicy, and its binding, that hold whoever may `patch
 * taskactions/status` to the signal: a signaller's status rights otherwise reach every status
 * field (CEL rules on the CRD cannot tell one writer from another), so one could mark another
 * author's running action `Succeeded`, which the controller then takes as finished and the
 * garbage collector deletes. Every user but `controllerUsers` may change `signalValue`,
 * `signalledBy` and `signalledAt` only. Pure: apply the objects with admin rights.
 */
export function taskActionSignalPolicy(options: SignalPolicyOptions): KubeObject[] {
  if (options.controllerUsers.length === 0) {
    throw new TypeError('controllerUsers: name the user the controller writes status as');
  }
  const name = options.name ?? defaultSignalPolicyName;
  const guarded = statusFields().filter(
    (field) => !(signalFields as readonly string[]).includes(field),
  );
  return [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: [group],
              apiVersions: [version],
              operations: ['UPDATE'],
              resources: [`${plural}/status`],
            },
          ],
        },
        matchConditions: [
          {
            name: 'not-the-controller',
            expression: `!(request.userInfo.username in ${JSON.stringify(options.controllerUsers)})`,
          },
        ],
        validations: [
          {
            expression: guarded.map(unchanged).join(' && '),
            message: `only the TaskAction controller changes a TaskAction's status beyond its signal (${signalFields.join(', ')})`,
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}
