import type { WorkflowExecution } from './workflow-execution.js';

/**
 * The execution as its workflow declares it: parameters the workflow's schema does not name
 * are dropped before anything is built from them (kubernaut #243, defence in depth against
 * parameters a planner invented, a credential among them). `declared` undefined means no
 * schema is known and every parameter passes; an empty list drops them all. The warning names
 * what was dropped, never a value.
 */
export function withDeclaredParameters(
  wfe: WorkflowExecution,
  declared: readonly string[] | undefined,
): { wfe: WorkflowExecution; warnings: string[] } {
  const parameters = wfe.spec.parameters;
  if (declared === undefined || parameters === undefined) return { wfe, warnings: [] };
  const allowed = new Set(declared);
  const names = Object.keys(parameters);
  const dropped = names.filter((name) => !allowed.has(name));
  if (dropped.length === 0) return { wfe, warnings: [] };
  const kept = Object.fromEntries(Object.entries(parameters).filter(([name]) => allowed.has(name)));
  return {
    wfe: { ...wfe, spec: { ...wfe.spec, parameters: kept } },
    warnings: [
      `parameters the workflow does not declare were not passed to it: ${dropped.sort().join(', ')}`,
    ],
  };
}
