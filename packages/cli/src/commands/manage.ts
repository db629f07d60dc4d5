import {
  conventionKeys,
  executionOwnerKey,
  executionResourceName,
  ownedResourcesSelector,
} from '@roundhouse/core';
import {
  isKubernetesError,
  type KubeObject,
  KubernetesApiError,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { workflowExecutionCrd } from '@roundhouse/workflowexecution';
import { stringify } from 'yaml';
import { age } from '../humanize.js';
import type { Session } from '../session.js';
import { renderTable } from '../table.js';
import type { Terminal } from '../terminal.js';
import { qualifiedName } from './inspect.js';

/** `delete NAME`: the controller's finalizer cleans up the execution resource first. */
export async function remove(session: Session, term: Terminal, name: string): Promise<number> {
  const access = {
    verb: 'delete',
    resource: session.workflowExecutions,
    namespace: session.namespace,
    name,
  };
  const deleted = await session.call(access, () =>
    session.client.delete(session.workflowExecutions, session.namespace, name),
  );
  if (!deleted) {
    throw await session.explain(
      new KubernetesApiError('NotFound', `WorkflowExecution ${name} not found`, 404),
      access,
    );
  }
  term.out.write(`${qualifiedName(session.workflowExecutions, name)} deleted\n`);
  return 0;
}

/** The kinds of execution resource that are locks: one per target, named for it. */
const lockKinds = [resources.jobs, resources.pods, resources.pipelineRuns];

export interface Lock {
  readonly name: string;
  readonly kind: string;
  readonly target: string;
  readonly owner: string;
  readonly created: string | undefined;
}

/**
 * `locks`: which target is locked by which execution, and since when. The lock is the
 * execution resource itself (its name is the target's hash), so these are the owned resources
 * in the execution namespace: Jobs, the pod engine's Pods, PipelineRuns. A kind the cluster does
 * not serve (no Tekton) holds no locks.
 */
export async function locks(session: Session, term: Terminal): Promise<number> {
  const namespace = session.executionNamespace;
  const { targetResourceAnnotation } = conventionKeys(session.conventions);
  const found: Lock[] = [];
  for (const type of lockKinds) {
    let items: KubeObject[];
    try {
      ({ items } = await session.client.list<KubeObject>(type, namespace, {
        labelSelector: ownedResourcesSelector(session.conventions),
      }));
    } catch (error) {
      if (isKubernetesError(error, 'NotFound')) continue;
      throw await session.explain(error, { verb: 'list', resource: type, namespace });
    }
    for (const item of items) {
      const target = item.metadata?.annotations?.[targetResourceAnnotation] ?? '';
      // The pod engine's Pod is a lock; a PipelineRun's pods carry its labels and annotations
      // too (Tekton copies them down) but not the lock's name.
      if (
        type === resources.pods &&
        item.metadata?.name !== executionResourceName(target, session.conventions.namePrefix)
      ) {
        continue;
      }
      found.push({
        name: item.metadata?.name ?? '',
        kind: type.kind,
        target,
        owner: executionOwnerKey(item.metadata, session.conventions) ?? '',
        created: item.metadata?.creationTimestamp,
      });
    }
  }
  if (found.length === 0) {
    term.err.write(`No locks held in namespace ${namespace}.\n`);
    return 0;
  }
  found.sort(
    (a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.name.localeCompare(b.name),
  );
  term.out.write(`${renderTable(lockColumns(new Date()), found)}\n`);
  return 0;
}

export function lockColumns(now: Date) {
  return [
    { header: 'lock', value: (l: Lock) => l.name },
    { header: 'kind', value: (l: Lock) => l.kind },
    { header: 'target', value: (l: Lock) => l.target },
    { header: 'owner', value: (l: Lock) => l.owner },
    { header: 'age', value: (l: Lock) => age(l.created, now) },
  ];
}

/** `crd`: the CRD manifest, for an admin to apply where it is missing. */
export function crd(term: Terminal, resource: ResourceType): number {
  term.out.write(stringify(workflowExecutionCrd({ apiGroup: resource.group })));
  return 0;
}
