import { describe, expect, it } from 'vitest';
import { ConfigurationError, UnsupportedEngineError } from './errors.js';
import type { Executor } from './executor.js';
import { DuplicateEngineError, Registry } from './registry.js';
import { MemoryExecutor } from './testing/memory-executor.js';

const unavailable = (engine: string, reason: string): Executor =>
  Object.assign(new MemoryExecutor(engine), {
    availability: async () => ({ available: false as const, reason }),
  });

describe('Registry', () => {
  it('dispatches by engine name', () => {
    const job = new MemoryExecutor('job');
    const registry = new Registry().register(job).register(new MemoryExecutor('tekton'));
    expect(registry.get('job')).toBe(job);
    expect(registry.engines()).toEqual(['job', 'tekton']);
  });

  it('refuses an engine name no WorkflowExecution could name', () => {
    for (const engine of ['Job', 'my_engine', '', 'a'.repeat(64)]) {
      expect(() => new Registry().register(new MemoryExecutor(engine))).toThrow(ConfigurationError);
    }
  });

  it('refuses a second executor for an engine unless replacing explicitly', () => {
    const registry = new Registry().register(new MemoryExecutor('job'));
    expect(() => registry.register(new MemoryExecutor('job'))).toThrow(DuplicateEngineError);
    const replacement = new MemoryExecutor('job');
    registry.register(replacement, { replace: true });
    expect(registry.get('job')).toBe(replacement);
  });

  it('names the registered engines, sorted, when an engine is unknown', () => {
    const registry = new Registry()
      .register(new MemoryExecutor('tekton'))
      .register(new MemoryExecutor('ansible'))
      .register(new MemoryExecutor('job'));
    let error: unknown;
    try {
      registry.get('Job');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnsupportedEngineError);
    expect((error as UnsupportedEngineError).reason).toBe('UnsupportedEngine');
    expect((error as UnsupportedEngineError).registered).toEqual(['ansible', 'job', 'tekton']);
    // kubernaut's Registry.Get words, which its tests match.
    expect((error as Error).message).toBe(
      'unsupported execution engine: "Job" (registered: [ansible job tekton])',
    );
  });

  it('says so when nothing is registered', () => {
    expect(() => new Registry().get('job')).toThrowError(
      'unsupported execution engine: "job" (registered: [])',
    );
  });

  it('reports available and unavailable engines separately', async () => {
    const registry = new Registry()
      .register(new MemoryExecutor('job'))
      .register(unavailable('tekton', 'Tekton CRDs not installed'))
      .register(
        Object.assign(new MemoryExecutor('ansible'), {
          availability: async () => {
            throw new Error('AWX unreachable');
          },
        }),
      );
    expect(await registry.availability()).toEqual({
      available: ['job'],
      unavailable: [
        { engine: 'ansible', reason: 'AWX unreachable' },
        { engine: 'tekton', reason: 'Tekton CRDs not installed' },
      ],
    });
  });

  it('UT-WE-868-010: reports an expected engine without an executor as unavailable', async () => {
    const registry = new Registry().register(new MemoryExecutor('job'));
    expect(await registry.availability({ known: ['tekton', 'ansible'] })).toEqual({
      available: ['job'],
      unavailable: [
        { engine: 'ansible', reason: 'no executor is registered for engine "ansible"' },
        { engine: 'tekton', reason: 'no executor is registered for engine "tekton"' },
      ],
    });
  });

  it('UT-WE-868-011: reports nothing unavailable when every expected engine is registered', async () => {
    const registry = new Registry()
      .register(new MemoryExecutor('job'))
      .register(new MemoryExecutor('tekton'));
    expect(await registry.availability({ known: ['tekton'] })).toEqual({
      available: ['job', 'tekton'],
      unavailable: [],
    });
  });

  it('UT-WE-868-012: reports only the registered engines when none is expected', async () => {
    const registry = new Registry().register(new MemoryExecutor('job'));
    expect(await registry.availability({ known: [] })).toEqual({
      available: ['job'],
      unavailable: [],
    });
  });
});
