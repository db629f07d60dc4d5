import { type Conventions, conventionKeys } from './conventions.js';
import type { ExecutionOwner } from './errors.js';
import { sha256Hex } from './hash.js';
import { executionResourceName } from './naming.js';
import type { WorkflowExecution } from './workflow-execution.js';

const maxLabelValue = 63;
const validLabelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const hashSuffixLength = 10;

/** True when `value` is accepted by Kubernetes as a label value. */
export function isValidLabelValue(value: string): boolean {
  return value.length <= maxLabelValue && validLabelValue.test(value);
}

/**
 * A valid label value for any string: the string itself when Kubernetes accepts it, otherwise
 * its label-safe characters cut short and followed by "-" and a hash of the whole input. The
 * hash keeps distinct inputs distinct and the result deterministic, so owners can be matched
 * by label; the full value always travels in an annotation too.
 */
export function toLabelValue(raw: string): string {
  if (isValidLabelValue(raw)) return raw;
  const hash = sha256Hex(raw).slice(0, hashSuffixLength);
  const safe = raw
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .slice(0, maxLabelValue - hashSuffixLength - 1)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return safe ? `${safe}-${hash}` : hash;
}

/**
 * The target label value as kubernaut writes it: "/" becomes "__" and a longer value is cut at
 * 63 characters, so a selector built by kubernaut's rule finds the resource. Where that cut is
 * not a valid label value (it ends in "_", "-" or ".", or holds other characters; kubernaut's
 * create then fails), the encoded value is made label-safe as any other. Nothing reads this
 * label to identify a target: the lock is the resource's name, and the annotation keeps the
 * target whole.
 */
export function targetLabelValue(targetResource: string): string {
  const encoded = targetResource.replaceAll('/', '__');
  const cut = encoded.slice(0, maxLabelValue);
  return isValidLabelValue(cut) ? cut : toLabelValue(encoded);
}

export interface ExecutionMetadata {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Labels for the pods an execution resource creates. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * Labels and annotations every execution resource carries, so a controller can map the
 * resource back to its WorkflowExecution across namespaces and check ownership before delete.
 */
export function executionMetadata(
  wfe: WorkflowExecution,
  engine: string,
  conventions: Conventions,
  options: { engineLabel?: boolean | undefined } = {},
): ExecutionMetadata {
  const keys = conventionKeys(conventions);
  const engineLabel = options.engineLabel ?? true;
  const owner = toLabelValue(wfe.metadata.name);
  const engineValue = toLabelValue(engine);
  return {
    labels: {
      [keys.workflowExecutionLabel]: owner,
      [keys.workflowIdLabel]: toLabelValue(wfe.spec.workflowRef.workflowId),
      [keys.targetResourceLabel]: targetLabelValue(wfe.spec.targetResource),
      [keys.sourceNamespaceLabel]: toLabelValue(wfe.metadata.namespace),
      ...(engineLabel ? { [keys.executionEngineLabel]: engineValue } : {}),
    },
    annotations: {
      [keys.targetResourceAnnotation]: wfe.spec.targetResource,
      // A name the label cannot hold verbatim (over 63 characters) travels whole here, so
      // events on the resource still find their owner. Names that fit add nothing, which keeps
      // the kubernaut preset byte for byte.
      ...(owner !== wfe.metadata.name
        ? { [keys.workflowExecutionAnnotation]: wfe.metadata.name }
        : {}),
      ...(wfe.metadata.uid ? { [keys.workflowExecutionUidAnnotation]: wfe.metadata.uid } : {}),
    },
    podLabels: {
      [keys.workflowExecutionLabel]: owner,
      [keys.executionEngineLabel]: engineValue,
    },
  };
}

/**
 * The metadata of the one execution resource for `wfe`: named for the target's lock (so the
 * name is the lock), in the execution namespace, with the owner labels and annotations.
 */
export function executionObjectMeta(
  wfe: WorkflowExecution,
  namespace: string,
  meta: ExecutionMetadata,
  conventions: Conventions,
) {
  return {
    name: executionResourceName(wfe.spec.targetResource, conventions.namePrefix),
    namespace,
    labels: { ...meta.labels },
    annotations: { ...meta.annotations },
  };
}

/**
 * Whether an execution resource belongs to this WorkflowExecution: the name and the source
 * namespace labels must match, because WorkflowExecutions in different namespaces may share a
 * name while their execution resources share one execution namespace; and the uid the resource
 * records must be the owner's, so a WorkflowExecution deleted and created again under the same
 * name never adopts its previous incarnation's resource, and a resource someone else created
 * under the lock's name with the owner's labels is never adopted at all; an execution without
 * a uid owns nothing. Under conventions
 * that do not require the uid (kubernaut's, whose controller records none) a resource that
 * records no uid is matched by its labels alone, and one that records a uid must still match.
 */
export function isOwnedBy(
  metadata: OwnerMetadata | undefined,
  wfe: Pick<WorkflowExecution, 'metadata'>,
  conventions: Conventions,
): boolean {
  const keys = conventionKeys(conventions);
  const labels = metadata?.labels;
  const uid = metadata?.annotations?.[keys.workflowExecutionUidAnnotation];
  // Where the uid is required, an execution without one (never stored, or built by hand) owns
  // nothing: matching absent against absent would hand it any resource that carries its labels.
  // Elsewhere an owner not yet stored has no uid, and neither has what was created for it.
  const uidMatches = conventions.ownerUidRequired
    ? wfe.metadata.uid !== undefined && uid === wfe.metadata.uid
    : uid === undefined || wfe.metadata.uid === undefined || uid === wfe.metadata.uid;
  return (
    labels?.[keys.workflowExecutionLabel] === toLabelValue(wfe.metadata.name) &&
    labels?.[keys.sourceNamespaceLabel] === toLabelValue(wfe.metadata.namespace) &&
    uidMatches
  );
}

/** Labels and annotations of an execution resource, as its metadata carries them. */
export interface OwnerMetadata {
  readonly labels?: Readonly<Record<string, string>> | undefined;
  readonly annotations?: Readonly<Record<string, string>> | undefined;
}

/**
 * The owner an execution resource's labels name, of the conventions' `ownerNoun`, or undefined
 * when they name none. Pass the resource's annotations too: the full name comes from the
 * annotation when the label had to be shortened, and the shortened form is a name anyone may
 * give another execution, so naming it would send readers of a lock error or of
 * `deduplicatedBy` to the wrong one. An annotation that does not match the label is ignored, so
 * the label (which the ownership check compares) always decides who the owner is.
 */
export function ownerFromLabels(
  labels: Readonly<Record<string, string>> | undefined,
  conventions: Conventions,
  annotations?: Readonly<Record<string, string>> | undefined,
): ExecutionOwner | undefined {
  const keys = conventionKeys(conventions);
  const label = labels?.[keys.workflowExecutionLabel];
  const namespace = labels?.[keys.sourceNamespaceLabel];
  if (!label || !namespace) return undefined;
  const full = annotations?.[keys.workflowExecutionAnnotation];
  const name = full !== undefined && toLabelValue(full) === label ? full : label;
  return conventions.ownerNoun
    ? { noun: conventions.ownerNoun, name, namespace }
    : { name, namespace };
}

/**
 * The `namespace/name` key of the WorkflowExecution that owns an execution resource (as
 * `ownerFromLabels` names it from its labels and annotations), or undefined when the resource
 * names no owner. Every watch of execution resources maps events through this one function.
 */
export function executionOwnerKey(
  metadata: OwnerMetadata | undefined,
  conventions: Conventions,
): string | undefined {
  const owner = ownerFromLabels(metadata?.labels, conventions, metadata?.annotations);
  return owner && `${owner.namespace}/${owner.name}`;
}

/** A label selector matching every execution resource that names an owner. */
export function ownedResourcesSelector(conventions: Conventions): string {
  const keys = conventionKeys(conventions);
  return `${keys.workflowExecutionLabel},${keys.sourceNamespaceLabel}`;
}
