import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { controllerPackages } from './build-dist.js';

const root = new URL('../../', import.meta.url);
const readJson = (path: string) =>
  JSON.parse(readFileSync(new URL(path, root), 'utf8')) as {
    name: string;
    workspaces?: string[];
    dependencies?: Record<string, string>;
  };

/** Workspace directories by package name. */
const workspaces = new Map(
  (readJson('package.json').workspaces ?? []).map((dir) => [
    readJson(`${dir}/package.json`).name,
    dir,
  ]),
);

/** The example and every workspace package it needs at run time, each after what it imports. */
function runtimeClosure(dir: string, seen: string[] = []): string[] {
  for (const name of Object.keys(readJson(`${dir}/package.json`).dependencies ?? {})) {
    const dependency = workspaces.get(name);
    if (dependency && !seen.includes(dependency)) runtimeClosure(dependency, seen);
  }
  if (!seen.includes(dir)) seen.push(dir);
  return seen;
}

/** Whether every package comes after the workspace packages it depends on. */
function inDependencyOrder(dirs: readonly string[]): boolean {
  return dirs.every((dir, index) =>
    Object.keys(readJson(`${dir}/package.json`).dependencies ?? {})
      .map((name) => workspaces.get(name))
      .every((dependency) => !dependency || dirs.slice(0, index).includes(dependency)),
  );
}

describe('the example controller image', () => {
  const needed = runtimeClosure('examples/workflowexecution-controller');
  const dockerfile = readFileSync(
    new URL('examples/workflowexecution-controller/Dockerfile', root),
    'utf8',
  );

  it('compiles and ships every workspace package the controller imports, in order', () => {
    const listed = dockerfile.match(/^ARG PACKAGES="([^"]+)"$/m)?.[1]?.split(' ') ?? [];
    expect([...listed].sort()).toEqual([...needed].sort());
    expect(inDependencyOrder(listed)).toBe(true);
  });

  it('is what the deploy test builds dist/ from', () => {
    expect(controllerPackages.flat().sort()).toEqual([...needed].sort());
    expect(inDependencyOrder(controllerPackages.flat())).toBe(true);
  });

  it('runs the compiled controller as a numeric non-root user, with its flags as arguments', () => {
    // runAsNonRoot can only verify a numeric user; a Deployment's args replace CMD, not ENTRYPOINT.
    expect(dockerfile).toMatch(/^USER 65532:65532$/m);
    expect(dockerfile).toMatch(
      /^ENTRYPOINT \[.*"examples\/workflowexecution-controller\/dist\/main\.js"\]$/m,
    );
    expect(dockerfile).not.toMatch(/^CMD /m);
  });
});
