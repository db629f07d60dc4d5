/**
 * Each dependency is read live before an execution starts, so an unbounded list would turn one
 * execution into thousands of reads; workflows mount a handful.
 */
export const dependenciesMaxCount = 64;

/** Why a dependency list (`secrets` or `configMaps`) with `count` entries is refused. */
export const tooManyDependencies = (count: number) =>
  `has ${count} entries; at most ${dependenciesMaxCount} are allowed (each is read before the execution starts)`;

/** The dependency lists a spec may hold, where they are: checked by count before by content. */
export const dependencyListFields = ['secrets', 'configMaps'] as const;
