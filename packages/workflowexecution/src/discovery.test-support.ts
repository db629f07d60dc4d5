/**
 * The aggregated discovery documents (`/api`, `/apis`) of a cluster that serves Argo Rollouts
 * (`Rollout`, `rollouts`, `rollout`, `ro`) once `rollouts` is true, and nothing else of note.
 */
export function rolloutsDiscovery(rollouts: boolean): unknown[] {
  const resource = {
    resource: 'rollouts',
    responseKind: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' },
    scope: 'Namespaced',
    singularResource: 'rollout',
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ro'],
  };
  const groups = rollouts
    ? [
        {
          metadata: { name: 'argoproj.io' },
          versions: [{ version: 'v1alpha1', resources: [resource], freshness: 'Current' }],
        },
      ]
    : [];
  return [
    { kind: 'APIGroupDiscoveryList', items: [] },
    { kind: 'APIGroupDiscoveryList', items: groups },
  ];
}
