import { printableText, RoundhouseError } from '@roundhouse/core';
import type { KubeClient, KubeObject } from '@roundhouse/kube';
import { z } from 'zod';
import { group, kind, taskActions, version } from './resource.js';
import type { TaskAction } from './spec.js';

/** What finding an action's parent reads of it; a task and a condition alike. */
type ActionNames = Pick<TaskAction, 'metadata'> & {
  readonly spec: Pick<TaskAction['spec'], 'runName' | 'parentActionName'>;
};

/** A child action whose parent TaskAction does not exist (yet): it waits, with backoff. */
export class ParentActionNotFoundError extends RoundhouseError {
  readonly reason = 'ParentActionNotFound';
  override readonly retryable = true;

  constructor(
    readonly action: string,
    readonly parentActionName: string,
    readonly runName: string,
  ) {
    super(
      `TaskAction ${action} waits for its parent: no TaskAction of run ${printableText(runName)} has actionName ${printableText(parentActionName)}`,
    );
  }
}

/**
 * A child action whose run has more than one TaskAction of its parent's action name: which is
 * the parent cannot be told, and any author of the namespace may create an action of any run and
 * name, so the child takes none as owner (whose deletion would take the child with it) and waits,
 * with backoff, until one claimant is left.
 */
export class AmbiguousParentActionError extends RoundhouseError {
  readonly reason = 'AmbiguousParentAction';
  override readonly retryable = true;

  constructor(
    readonly action: string,
    readonly parentActionName: string,
    readonly runName: string,
    readonly claimants: readonly string[],
  ) {
    super(
      `TaskAction ${action} waits for its parent: ${claimants.length} TaskActions of run ${printableText(runName)} have actionName ${printableText(parentActionName)} (${claimants.join(', ')}); it takes an owner once only one is left`,
    );
  }
}

const apiVersion = `${group}/${version}`;

const ActionNamesSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), uid: z.string() }),
  spec: z.looseObject({ runName: z.string(), actionName: z.string() }),
});

/** The informer index of actions that wait for a parent, by the parent they wait for. */
export const waitingForParentIndex = 'waitingForParent';

/** The informer index of actions by namespace, run and action name: how a parent is found. */
export const actionNameIndex = 'actionName';

/**
 * The actions of the controller's informer, looked up by an index (`actionNameIndex`,
 * `waitingForParentIndex`): a run of thousands of children finds each parent without a scan.
 */
export type ActionDirectory = {
  byIndex(name: string, value: string): readonly KubeObject[];
};

const RelationSchema = z.looseObject({
  metadata: z.looseObject({ namespace: z.string().optional() }),
  spec: z.looseObject({
    runName: z.string().optional(),
    actionName: z.string().optional(),
    parentActionName: z.string().optional(),
  }),
});

function relationOf(object: KubeObject) {
  const parsed = RelationSchema.safeParse(object);
  return parsed.success ? parsed.data : undefined;
}

const familyKey = (namespace: string | undefined, runName: string, actionName: string) =>
  JSON.stringify([namespace ?? '', runName, actionName]);

/**
 * Index function: a child without its parent's owner reference is indexed under the parent it
 * names, so that parent's arrival can wake it (`childrenWaitingFor`) instead of the child
 * polling with a backoff that grows to many minutes.
 */
export function indexWaitingForParent(object: KubeObject): string[] {
  const relation = relationOf(object);
  const { runName, parentActionName } = relation?.spec ?? {};
  if (!runName || !parentActionName || hasActionOwner(object)) return [];
  return [familyKey(relation?.metadata.namespace, runName, parentActionName)];
}

/** Index function: every action under its own namespace, run and action name. */
export function indexByActionName(object: KubeObject): string[] {
  const value = parentIndexValue(object);
  return value === undefined ? [] : [value];
}

/**
 * The index value of `object` itself: under `actionNameIndex` it finds the action, under
 * `waitingForParentIndex` the children that still wait for it.
 */
export function parentIndexValue(object: KubeObject): string | undefined {
  const relation = relationOf(object);
  const { runName, actionName } = relation?.spec ?? {};
  if (!runName || !actionName) return undefined;
  return familyKey(relation?.metadata.namespace, runName, actionName);
}

/** Whether the action already has a TaskAction among its owners. */
export function hasActionOwner(object: KubeObject): boolean {
  return (object.metadata?.ownerReferences ?? []).some(
    (ref) => ref.kind === kind && ref.apiVersion === apiVersion,
  );
}

/**
 * Every TaskAction among `candidates` that claims to be the parent of `action`. One being
 * deleted is none: taking it as owner would have the garbage collector delete the child with it,
 * also a child that `--cascade=orphan` has just released from it.
 */
export function findParents(action: ActionNames, candidates: readonly KubeObject[]) {
  const { runName, parentActionName } = action.spec;
  return candidates.flatMap((candidate) => {
    if (candidate.metadata?.deletionTimestamp) return [];
    const parsed = ActionNamesSchema.safeParse(candidate);
    if (!parsed.success || parsed.data.metadata.uid === action.metadata.uid) return [];
    const { spec } = parsed.data;
    return spec.runName === runName && spec.actionName === parentActionName ? [parsed.data] : [];
  });
}

/**
 * The owner reference that makes a child action go when its parent goes (the garbage
 * collector cascades), and lets a foreground delete of the parent wait for the children.
 */
export function ownerReferenceTo(parent: { metadata: { name: string; uid: string } }) {
  return {
    apiVersion,
    kind,
    name: parent.metadata.name,
    uid: parent.metadata.uid,
    blockOwnerDeletion: true,
  };
}

/** What taking a parent as owner needs: a writer and the directory of actions. */
export interface ParentIo {
  readonly client: KubeClient;
  readonly actions: ActionDirectory;
  readonly signal: AbortSignal;
}

/**
 * Makes the parent action this one's owner, so deleting the root deletes the whole tree, and
 * returns the action as written. Throws ParentActionNotFoundError (retried with backoff) while
 * the parent does not exist.
 */
export async function ownByParent(
  object: KubeObject,
  action: ActionNames,
  io: ParentIo,
): Promise<KubeObject> {
  const { namespace, name } = action.metadata;
  const { runName, parentActionName = '' } = action.spec;
  const candidates = io.actions.byIndex(
    actionNameIndex,
    familyKey(namespace, runName, parentActionName),
  );
  const [parent, ...others] = findParents(action, candidates);
  if (!parent) {
    throw new ParentActionNotFoundError(
      `${namespace}/${name}`,
      action.spec.parentActionName as string,
      action.spec.runName,
    );
  }
  if (others.length > 0) {
    throw new AmbiguousParentActionError(
      `${namespace}/${name}`,
      action.spec.parentActionName as string,
      action.spec.runName,
      [parent, ...others].map((claimant) => claimant.metadata.name).sort(),
    );
  }
  const ownerReferences = [...(object.metadata?.ownerReferences ?? []), ownerReferenceTo(parent)];
  // The resourceVersion makes the merge patch conditional: a list replaced wholesale must not
  // drop an owner someone else added meanwhile.
  const patch = {
    metadata: { resourceVersion: object.metadata?.resourceVersion, ownerReferences },
  };
  return io.client.patch(taskActions, namespace, name, patch, {
    strategy: 'merge',
    signal: io.signal,
  });
}

/**
 * `ownByParent` for an action that need not wait for its parent (a condition, whose deadline
 * runs regardless; a finished action): undefined while the parent does not exist, whose arrival
 * wakes the action again through `indexWaitingForParent`, or while several claim to be it.
 */
export async function ownByParentIfPresent(
  object: KubeObject,
  action: ActionNames,
  io: ParentIo,
): Promise<KubeObject | undefined> {
  try {
    return await ownByParent(object, action, io);
  } catch (error) {
    if (error instanceof ParentActionNotFoundError || error instanceof AmbiguousParentActionError)
      return undefined;
    throw error;
  }
}
