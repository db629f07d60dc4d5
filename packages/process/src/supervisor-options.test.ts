import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@roundhouse/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessSupervisor } from './supervisor.js';

describe('opening a supervisor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roundhouse-supervisor-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([0, -5, 1.5, 30 * 24 * 60 * 60 * 1000])(
    'refuses a reconcile interval of %d ms, naming it, before creating anything',
    async (ms) => {
      const dataDir = join(dir, `interval-${ms}`);
      const opening = ProcessSupervisor.open({ dataDir, reconcileIntervalMs: ms });
      await expect(opening).rejects.toBeInstanceOf(ConfigurationError);
      await expect(opening).rejects.toMatchObject({ issues: [{ path: 'reconcileIntervalMs' }] });
      expect(existsSync(dataDir)).toBe(false);
    },
  );
});
