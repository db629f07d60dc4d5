import { ConfigurationError, ExecutionForbiddenError } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeObject, type Reader, resources } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
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

  it('fails fast on a missing or empty dependency, naming it, even without the opt-in', async () => {
    const missing = await check({}, false).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigurationError);
    expect((missing as Error).message).toContain('Secret "db" in namespace exec does not exist');
    const empty = await check(secret('db', {}, {}), false).catch((e: unknown) => e);
    expect((empty as Error).message).toContain('has no data');
  });
});
