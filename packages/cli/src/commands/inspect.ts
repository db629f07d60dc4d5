import { requestedEngine } from '@roundhouse/core';
import {
  isKubernetesError,
  type KubeObject,
  KubernetesApiError,
  type ResourceType,
  resources,
} from '@roundhouse/kube';
import { renderCustomColumns } from '../custom-columns.js';
import { jsonText, yamlText } from '../data-text.js';
import { describeExecution, eventTime } from '../describe-view.js';
import { renderJsonPath } from '../jsonpath-output.js';
import type { OutputFormat } from '../output-format.js';
import type { Session } from '../session.js';
import { renderTable } from '../table.js';
import type { Terminal } from '../terminal.js';
import {
  type EventView,
  type Execution,
  type ExecutionResourceView,
  executionColumns,
} from '../views.js';

/** How a WorkflowExecution is addressed in `-o name` output and messages, as kubectl does. */
export const qualifiedName = (resource: ResourceType, name: string) =>
  `${resource.kind.toLowerCase()}.${resource.group}/${name}`;

/** What `-o json|yaml` prints: the object as stored, without the server's bookkeeping. */
export function printable(object: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = (object.metadata ?? {}) as Record<
    string,
    unknown
  >;
  return { ...object, metadata };
}

/** `get [NAME]`: a table, or the objects as JSON, YAML, names, jsonpath or custom columns. */
export async function get(
  session: Session,
  term: Terminal,
  name: string | undefined,
  options: { output: OutputFormat; allNamespaces: boolean },
): Promise<number> {
  const namespace = options.allNamespaces ? undefined : session.namespace;
  let items: Execution[];
  if (name) {
    const object = await fetchExecution(session, name);
    items = [object];
  } else {
    const listed = await session.call(
      { verb: 'list', resource: session.workflowExecutions, namespace },
      () => session.client.list<Execution>(session.workflowExecutions, namespace),
    );
    items = listed.items.sort(
      (a, b) =>
        (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
        (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
  }
  // What kubectl hands its printers: the object, or a List of them.
  const document = () =>
    name !== undefined
      ? printable(items[0] as Execution)
      : { apiVersion: 'v1', kind: 'List', items: items.map(printable) };
  if (typeof options.output === 'object') {
    term.out.write(
      'jsonpath' in options.output
        ? renderJsonPath(options.output.jsonpath, document())
        : renderCustomColumns(options.output.customColumns, items.map(printable)),
    );
    return 0;
  }
  switch (options.output) {
    case 'json':
      term.out.write(jsonText(document()));
      return 0;
    case 'yaml':
      term.out.write(yamlText(document()));
      return 0;
    case 'name':
      for (const item of items)
        term.out.write(`${qualifiedName(session.workflowExecutions, item.metadata.name ?? '')}\n`);
      return 0;
    default:
      if (items.length === 0) {
        term.err.write(
          `No WorkflowExecutions found${namespace ? ` in namespace ${namespace}` : ''}.\n`,
        );
        return 0;
      }
      term.out.write(
        `${renderTable(
          executionColumns(new Date(), {
            wide: options.output === 'wide',
            allNamespaces: options.allNamespaces,
          }),
          items,
        )}\n`,
      );
      return 0;
  }
}

/** The execution, or an error that says it does not exist (or that the CRD is missing). */
export async function fetchExecution(session: Session, name: string): Promise<Execution> {
  const access = {
    verb: 'get',
    resource: session.workflowExecutions,
    namespace: session.namespace,
    name,
  };
  const object = await session.call(access, () =>
    session.client.get<Execution>(session.workflowExecutions, session.namespace, name),
  );
  // The client reads a 404 as "no such object"; without the CRD every name is a 404, so the
  // same explanation tells the two apart.
  if (!object) {
    throw await session.explain(
      new KubernetesApiError('NotFound', `WorkflowExecution ${name} not found`, 404),
      access,
    );
  }
  return object;
}

/** The kinds of execution resource the CLI can look up, by engine. */
const executionKinds = {
  job: resources.jobs,
  pod: resources.pods,
  tekton: resources.pipelineRuns,
} as const;

/** `describe NAME`: the spec, status, conditions, execution resource and recent events. */
export async function describe(session: Session, term: Terminal, name: string): Promise<number> {
  const wfe = await fetchExecution(session, name);
  term.out.write(
    describeExecution(
      wfe,
      { resource: await executionResource(session, wfe), events: await recentEvents(session, wfe) },
      new Date(),
    ),
  );
  return 0;
}

/**
 * The execution's last ten Events. A user who may read executions but not Events (a Role for
 * the one kind) still gets the rest of describe, as from kubectl: the section says why it is
 * empty.
 */
async function recentEvents(session: Session, wfe: Execution): Promise<EventView[] | string> {
  let items: EventView[];
  try {
    ({ items } = await session.client.list<KubeObject & EventView>(
      resources.events,
      session.namespace,
      { fieldSelector: `involvedObject.uid=${wfe.metadata.uid}` },
    ));
  } catch (error) {
    if (isKubernetesError(error, 'Forbidden')) return 'cannot read: Forbidden';
    throw await session.explain(error, {
      verb: 'list',
      resource: resources.events,
      namespace: session.namespace,
    });
  }
  return items.sort((a, b) => (eventTime(a) ?? '').localeCompare(eventTime(b) ?? '')).slice(-10);
}

/**
 * Where the execution runs, and whether that still exists. A user may not read the execution
 * namespace; describe then says so instead of failing.
 */
async function executionResource(
  session: Session,
  wfe: Execution,
): Promise<ExecutionResourceView | undefined> {
  const name: unknown = wfe.status?.executionRef?.name;
  if (typeof name !== 'string' || !name) return undefined;
  const engine = requestedEngine(wfe.spec);
  const type = executionKinds[engine as keyof typeof executionKinds];
  const namespace = session.executionNamespace;
  if (!type) return { kind: `${engine} execution`, namespace, name, state: 'outside Kubernetes' };
  try {
    const object = await session.client.get(type, namespace, name);
    return { kind: type.kind, namespace, name, state: object ? 'present' : 'absent' };
  } catch (error) {
    const reason = (error as { reason?: string | undefined }).reason ?? 'error';
    return { kind: type.kind, namespace, name, state: `cannot read: ${reason}` };
  }
}
