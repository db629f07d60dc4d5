import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathInRoot } from './rooted-path.js';

describe('pathInRoot', () => {
  const root = mkdtempSync(join(tmpdir(), 'roundhouse-rooted-'));
  mkdirSync(join(root, 'data/app'), { recursive: true });
  symlinkSync('/data/app', join(root, 'app'));
  symlinkSync('../data', join(root, 'srv'));
  symlinkSync('/loop', join(root, 'loop'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("reads an absolute link's target inside the root, where the other process sees it", async () => {
    expect(await pathInRoot(root, '/app')).toBe(join(root, 'data/app'));
    expect(await pathInRoot(root, '/app/../app/.')).toBe(join(root, 'data/app'));
  });

  it('follows a relative link from where it is, and never climbs above the root', async () => {
    expect(await pathInRoot(root, '/srv/app')).toBe(join(root, 'data/app'));
    expect(await pathInRoot(root, '/../../data')).toBe(join(root, 'data'));
  });

  it('gives a path that does not exist as it is, and undefined for a loop of links', async () => {
    expect(await pathInRoot(root, '/app/missing/x')).toBe(join(root, 'data/app/missing/x'));
    expect(await pathInRoot(root, '/loop')).toBeUndefined();
  });
});
