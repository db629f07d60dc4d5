/**
 * Parameters an execution may pass. Each becomes an environment variable, a Tekton param or an
 * AWX extra var; workflows take a handful, and 256 leaves room for generated ones while keeping
 * a spec (and the errors listing its bad names) far from the API server's size limits.
 */
export const parametersMaxCount = 256;

/** Why `spec.parameters` with `count` entries is refused. */
export const tooManyParameters = (count: number) =>
  `has ${count} parameters; at most ${parametersMaxCount} are allowed`;

/** Why `spec.workflowRef.declaredParameterNames` with more than the most entries is refused. */
export const tooManyDeclaredNames = `at most ${parametersMaxCount} names`;
