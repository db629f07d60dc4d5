import { KubeConfig } from '@kubernetes/client-node';
import {
  type Dependencies,
  type ExecutionForbiddenError,
  type Logger,
  noopLogger,
  roundhouseConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from './config.js';
import { buildRegistry } from './registry.js';

/** An API server that accepts every create and keeps what it was sent. */
class RecordingServer extends KubeClient {
  readonly created: KubeObject[] = [];
  constructor() {
    super(new KubeConfig());
  }
  override async create<T extends KubeObject>(
    _type: ResourceType,
    _namespace: string | undefined,
    body: T,
  ) {
    this.created.push(body);
    return { object: body, warnings: [] };
  }
}

/** As RecordingServer, holding the AWX token Secret the ansible engine reads at start. */
class ServerWithAwxToken extends RecordingServer {
  override async get<T extends KubeObject>(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<T | null> {
    if (type.plural !== 'secrets' || `${namespace}/${name}` !== 'ops/awx') return null;
    return { metadata: { name }, data: { token: Buffer.from('t').toString('base64') } } as never;
  }
}

describe('buildRegistry', () => {
  it.each([
    ['job', [], undefined, { spec: { activeDeadlineSeconds: 3600 } }],
    ['tekton', [], undefined, { spec: { timeouts: { pipeline: '1h' } } }],
    ['tekton', ['--default-timeout=20m'], undefined, { spec: { timeouts: { pipeline: '20m' } } }],
    ['job', [], 20, { spec: { activeDeadlineSeconds: 3600 } }],
    ['tekton', [], 20, { spec: { timeouts: { pipeline: '1h' } } }],
  ])(
    'gives a %s execution without a timeout the deadline of --default-timeout (flags %j, spec.timesOutAt %s hours away)',
    async (engine, flags, hoursToTimesOutAt, expected) => {
      const line = parseCommandLine([`--engines=${engine}`, ...flags], {});
      if (line.help) throw new Error('asked for help');
      const client = new RecordingServer();
      const { registry, close } = await buildRegistry(line.config, {
        client,
        reader: client,
        conventions: roundhouseConventions,
        logger: noopLogger,
      });
      const wfe = sampleExecution({
        spec: {
          workflowRef: { workflowId: 'w', version: '1', executionBundle: 'quay.io/acme/b:1' },
          executionEngine: engine,
          ...(hoursToTimesOutAt
            ? { timesOutAt: new Date(Date.now() + hoursToTimesOutAt * 3_600_000).toISOString() }
            : {}),
        },
      });
      await registry.get(engine).create(wfe, line.config.executionNamespace);
      await close();
      expect(client.created).toMatchObject([expected]);
    },
  );

  describe('the ansible engine', () => {
    async function ansibleCreate(flags: string[]) {
      const line = parseCommandLine(
        [
          '--engines=ansible',
          // Nothing listens there: a create that got past the template check would fail
          // reaching AWX, not Forbidden.
          '--awx-url=http://127.0.0.1:9',
          '--awx-token-secret=ops/awx',
          '--awx-operation-timeout=1s',
          ...flags,
        ],
        {},
      );
      if (line.help) throw new Error('asked for help');
      const client = new ServerWithAwxToken();
      const warnings: string[] = [];
      const logger: Logger = { ...noopLogger, warn: (_fields, message) => warnings.push(message) };
      const { registry, close } = await buildRegistry(line.config, {
        client,
        reader: client,
        conventions: roundhouseConventions,
        logger,
      });
      const wfe = sampleExecution({
        spec: {
          executionEngine: 'ansible',
          workflowRef: {
            workflowId: 'w',
            version: '1',
            executionBundle: 'quay.io/acme/b:1',
            engineConfig: { jobTemplateName: 'ops-rotate-db-admin', playbookPath: 'site.yml' },
          },
        },
      });
      try {
        await registry.get('ansible').create(wfe, line.config.executionNamespace);
        return { created: client.created, warnings };
      } catch (error) {
        return { created: client.created, warnings, error: error as ExecutionForbiddenError };
      } finally {
        await close();
      }
    }

    it('launches no job template --awx-allowed-job-templates does not list, and none by default, warning at start', async () => {
      for (const flags of [[], ['--awx-allowed-job-templates=restart-*']]) {
        const { created, warnings, error } = await ansibleCreate(flags);
        expect(error?.reason).toBe('Forbidden');
        expect(error?.message).toContain('spec.workflowRef.engineConfig.jobTemplateName');
        expect(created).toEqual([]);
        expect(warnings.some((w) => w.includes('--awx-allowed-job-templates'))).toBe(
          flags.length === 0,
        );
      }
    });

    it('lets * and a listed name through the template check', async () => {
      for (const flags of [
        ['--awx-allowed-job-templates=*'],
        ['--awx-allowed-job-templates=ops-*'],
      ]) {
        const { error } = await ansibleCreate(flags);
        expect(error).toBeDefined();
        expect(error?.reason).not.toBe('Forbidden');
      }
    });
  });

  describe('the pod engine', () => {
    const digest = `sha256:${'a'.repeat(64)}`;

    async function podCreate(flags: string[], image: string, dependencies?: Dependencies) {
      const line = parseCommandLine(['--engines=pod', ...flags], {});
      if (line.help) throw new Error('asked for help');
      const client = new RecordingServer();
      const { registry, close } = await buildRegistry(line.config, {
        client,
        reader: client,
        conventions: roundhouseConventions,
        logger: noopLogger,
      });
      const wfe = sampleExecution({
        spec: {
          executionEngine: 'pod',
          workflowRef: {
            workflowId: 'w',
            version: '1',
            executionBundle: 'quay.io/acme/b:1',
            engineConfig: { steps: [{ name: 'one', image, script: 'true' }] },
          },
          ...(dependencies ? { dependencies } : {}),
        },
      });
      try {
        await registry.get('pod').create(wfe, line.config.executionNamespace, { dependencies });
        return { created: client.created };
      } catch (error) {
        return { created: client.created, error: error as ExecutionForbiddenError };
      } finally {
        await close();
      }
    }

    it('runs steps in a Pod with the deadline of --default-timeout and the limits of --pod-resource-limits', async () => {
      const { created, error } = await podCreate(
        ['--allowed-images=quay.io/acme/*', '--default-timeout=20m', '--pod-resource-limits=cpu=1'],
        'quay.io/acme/tool:1',
      );
      expect(error).toBeUndefined();
      expect(created).toMatchObject([
        {
          kind: 'Pod',
          spec: {
            activeDeadlineSeconds: 1200,
            containers: [{ name: 'one', resources: { limits: { cpu: '1' } } }],
          },
        },
      ]);
    });

    it('runs no image --allowed-images does not list, and none at all by default', async () => {
      for (const flags of [[], ['--allowed-images=quay.io/other/*']]) {
        const { created, error } = await podCreate(flags, 'quay.io/acme/tool:1');
        expect(error?.reason).toBe('Forbidden');
        expect(created).toEqual([]);
      }
    });

    it('refuses a step image not pinned to a digest under --require-digest', async () => {
      const flags = ['--allowed-images=quay.io/acme/*', '--require-digest'];
      const tagged = await podCreate(flags, 'quay.io/acme/tool:1');
      expect(tagged.error?.reason).toBe('Forbidden');
      expect(tagged.created).toEqual([]);
      const pinned = await podCreate(flags, `quay.io/acme/tool@${digest}`);
      expect(pinned.error).toBeUndefined();
      expect(pinned.created).toHaveLength(1);
    });

    it("mounts an execution's dependencies only under --pod-mount-dependencies", async () => {
      const allowed = '--allowed-images=quay.io/acme/*';
      const dependencies = { secrets: [{ name: 'db' }] };
      const refused = await podCreate([allowed], 'quay.io/acme/tool:1', dependencies);
      expect(refused.error?.reason).toBe('ConfigurationError');
      expect(refused.created).toEqual([]);
      const mounted = await podCreate(
        [allowed, '--pod-mount-dependencies'],
        'quay.io/acme/tool:1',
        dependencies,
      );
      expect(mounted.error).toBeUndefined();
      expect(mounted.created).toMatchObject([
        {
          spec: {
            volumes: expect.arrayContaining([
              { name: expect.any(String), secret: { secretName: 'db' } },
            ]),
          },
        },
      ]);
    });

    it('mounts the ServiceAccount token only under --pod-service-account-token', async () => {
      const allowed = '--allowed-images=quay.io/acme/*';
      const without = await podCreate([allowed], 'quay.io/acme/tool:1');
      expect(without.created).toMatchObject([{ spec: { automountServiceAccountToken: false } }]);
      const withToken = await podCreate(
        [allowed, '--pod-service-account-token'],
        'quay.io/acme/tool:1',
      );
      expect(withToken.created).toMatchObject([{ spec: { automountServiceAccountToken: true } }]);
    });
  });
});
