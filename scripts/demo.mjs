// `npm run demo` entry point. The WorkflowExecution controller and its live demo arrive with the
// controller issue; until then this says so plainly and exits 0, so the README's first command
// never fails on a fresh clone.
console.log(
  [
    'Roundhouse demo: not yet available.',
    'The WorkflowExecution controller demo (Job, Tekton and AWX engines against a real control',
    'plane) lands with the @roundhouse/controller issue. Meanwhile `npm test` exercises the',
    'core contract and the test control plane.',
  ].join('\n'),
);
