/**
 * A PipelineRun CRD in a group of its own, which no Tekton controller watches: for tests that
 * need a cluster serving PipelineRuns without Tekton, or that change what is served, without
 * touching the tekton.dev CRDs every other test file on the shared control plane uses.
 */
export function standInPipelineRunCrd(group: string) {
  return {
    metadata: { name: `pipelineruns.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind: 'PipelineRun',
        listKind: 'PipelineRunList',
        plural: 'pipelineruns',
        singular: 'pipelinerun',
      },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
      ],
    },
  };
}
