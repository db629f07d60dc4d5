import { Registry } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { engineInformers } from './engine-watches.js';
import { defaultRouting } from './routing.js';
import { taskJobExecutor } from './task-executor.js';

describe('engineInformers', () => {
  // Building the informers' scopes sends nothing: no client is needed.
  const registry = new Registry().register(taskJobExecutor({} as never));

  it("watches the job engine's Jobs and caches the pods its status checks read", () => {
    const informers = engineInformers(defaultRouting, registry, 'exec');
    expect(informers.map((i) => [i.kind, i.resource.kind, i.scope.namespace])).toEqual([
      ['owned', 'Job', 'exec'],
      ['read', 'Pod', 'exec'],
    ]);
    const [, pods] = informers;
    const [read] = registry.get('job').reads ?? [];
    expect(pods?.scope).toMatchObject({
      labelSelector: read?.labelSelector,
      fieldSelector: read?.fieldSelector,
    });
    expect(pods?.scope.transform).toBeTypeOf('function');
  });

  it('keeps nothing for a task type routed to an engine that is not registered', () => {
    const routing = { taskTypes: { container: 'job', spark: 'spark' } };
    const kinds = engineInformers(routing, registry, 'exec').map((i) => i.resource.kind);
    expect(kinds).toEqual(['Job', 'Pod']);
  });
});
