import { ConfigurationError, ExecutionForbiddenError } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { describe, expect, it, vi } from 'vitest';
import { DependencyCheck } from './dependency-check.js';
import { ExecutionPolicySchema } from './execution-policy.js';

const optIn = 'roundhouse.dev/allowed-namespaces';

/** A Reader over fixed objects, as the API server would answer. */
function readerOf(objects: Record<string, KubeObject>): Reader {
  return {
    async get<T extends KubeObject>(
      type: { kind: string },
      namespace: string | undefined,
      name: string,
    ) {
      return (objects[`${type.kind}/${namespace}/${name}`] as T | undefined) ?? null;
    },
    async list<T extends KubeObject>() {
      return { items: [] as T[], resourceVersion: '1' };
    },
  } as Reader;
}

const secret = (
  name: string,
  annotations: Record<string, string> = {},
  data: Record<string, string> = { k: 'dg==' },
) => ({
  [`${resources.secrets.kind}/exec/${name}`]: { metadata: { name, annotations }, data },
});

describe('DependencyCheck', () => {
  const wfe = sampleExecution({ namespace: 'team-a' });
  const check = (objects: Record<string, KubeObject>, dependencyOptIn = true) =>
    new DependencyCheck(
      readerOf(objects),
      ExecutionPolicySchema.parse({ dependencyOptIn: dependencyOptIn ? undefined : false }),
    ).verify(wfe, { secrets: [{ name: 'db' }] }, 'exec');

  it('accepts a Secret with data that opted in to the execution namespace', async () => {
    await expect(check(secret('db', { [optIn]: 'team-a' }))).resolves.toBeUndefined();
  });

  it("refuses a Secret that did not opt in: the controller's access is not its author's", async () => {
    const error = await check(secret('db')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutionForbiddenError);
    expect(error).toMatchObject({ path: 'spec.dependencies.secrets[0]' });
    expect((error as Error).message).toContain(optIn);
  });

  it("names the dependency under the field the execution listed it in (kubernaut's catalog snapshot)", async () => {
    const error = await new DependencyCheck(readerOf(secret('db')), ExecutionPolicySchema.parse({}))
      .verify(
        wfe,
        { secrets: [{ name: 'db' }] },
        'exec',
        undefined,
        'spec.workflowRef.dependencies',
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.workflowRef.dependencies.secrets[0]',
    });
  });

  it('refuses a missing Secret exactly as one that did not opt in, so refusals reveal no Secret', async () => {
    const refusals = await Promise.all(
      [{}, secret('db'), secret('db', {}, {}), secret('db', { [optIn]: 'team-b' })].map((objects) =>
        check(objects).catch((e: unknown) => e as ExecutionForbiddenError),
      ),
    );
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(ExecutionForbiddenError);
      expect(refusal).toMatchObject({ reason: 'Forbidden', path: 'spec.dependencies.secrets[0]' });
      expect(refusal?.message).toBe(refusals[0]?.message);
    }
    expect(refusals[0]?.message).toBe(
      `spec.dependencies.secrets[0]: dependency Secret "db" in namespace exec does not exist or does not allow WorkflowExecutions from namespace team-a; its owner creates it there and opts in with the annotation ${optIn}: "team-a"`,
    );
  });

  it('says a dependency has no data only once it opted in', async () => {
    const error = await check(secret('db', { [optIn]: 'team-a' }, {})).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('Secret "db" in namespace exec has no data');
  });

  it.each(['.', '..', 'UPPER', 'a/b', ''])(
    'refuses the dependency name %j before reading anything',
    async (name) => {
      const reader = readerOf({});
      const get = vi.spyOn(reader, 'get');
      const error = await new DependencyCheck(reader, ExecutionPolicySchema.parse({}))
        .verify(wfe, { secrets: [{ name: 'db' }], configMaps: [{ name }] }, 'exec')
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).issues).toEqual([
        {
          path: 'spec.dependencies.configMaps[0].name',
          message: `"${name}" is not a ConfigMap name (a lowercase DNS-1123 subdomain)`,
        },
      ]);
      expect(get).not.toHaveBeenCalled();
    },
  );

  it('fails fast on a missing or empty dependency, naming it, when the opt-in is off', async () => {
    const missing = await check({}, false).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigurationError);
    expect((missing as Error).message).toContain('Secret "db" in namespace exec does not exist');
    const empty = await check(secret('db', {}, {}), false).catch((e: unknown) => e);
    expect((empty as Error).message).toContain('has no data');
  });
});
