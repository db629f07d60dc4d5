import { ConfigurationError } from '@roundhouse/core';
import { workflowExecutionApi } from '@roundhouse/workflowexecution';
import { describe, expect, it } from 'vitest';
import { formatError, InputError, UnknownEngineError } from './errors.js';
import {
  generateNamePrefix,
  manifestFromFlags,
  manifestFromText,
  workflowFromBundle,
} from './manifest.js';

const flags = {
  namespace: 'team-a',
  engine: 'job',
  target: 'prod/deployment/app',
  bundle: 'registry.example.com/team/restart:1.2',
};

const kubernaut = workflowExecutionApi('kubernaut.ai').resource;

describe('manifestFromFlags', () => {
  it('builds a WorkflowExecution of the API group it is given', () => {
    expect(manifestFromFlags(flags, kubernaut).apiVersion).toBe('kubernaut.ai/v1alpha1');
  });

  it('builds the WorkflowExecution the flags describe, with a generated name by default', () => {
    expect(
      manifestFromFlags({
        ...flags,
        param: ['REPLICAS=3', 'NOTE=a=b'],
        dependency: ['secret/db', 'configmap/settings'],
        timeout: '10m',
      }),
    ).toEqual({
      apiVersion: 'roundhouse.dev/v1alpha1',
      kind: 'WorkflowExecution',
      metadata: { generateName: 'restart-', namespace: 'team-a' },
      spec: {
        workflowRef: {
          workflowId: 'restart',
          version: '1.2',
          executionBundle: 'registry.example.com/team/restart:1.2',
        },
        targetResource: 'prod/deployment/app',
        executionEngine: 'job',
        parameters: { REPLICAS: '3', NOTE: 'a=b' },
        dependencies: { secrets: [{ name: 'db' }], configMaps: [{ name: 'settings' }] },
        executionConfig: { timeout: '10m' },
      },
    });
  });

  it('names every missing flag at once, with how to run it', () => {
    const error = (() => {
      try {
        manifestFromFlags({ namespace: 'x', engine: 'job' });
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.issues.map((i) => i.path)).toEqual(['--target', '--bundle']);
    expect(error?.fix).toContain('run -f wfe.yaml');
  });

  it('refuses an engine Roundhouse does not ship unless told it is custom', () => {
    expect(() => manifestFromFlags({ ...flags, engine: 'jobs' })).toThrow(UnknownEngineError);
    expect(
      manifestFromFlags({ ...flags, engine: 'configmap', customEngine: true }).spec,
    ).toMatchObject({ executionEngine: 'configmap' });
  });

  it("reports the controller's own rules against the flag that broke them", () => {
    expect(() =>
      manifestFromFlags({ ...flags, target: 'not a target', timeout: 'soon' }),
    ).toThrowError(
      /--target: targetResource must be in format \{namespace\}\/\{kind\}\/\{name\}.*got 1 parts; --timeout: must be a Go duration/,
    );
    expect(() => manifestFromFlags({ ...flags, name: 'Bad_Name' })).toThrowError(
      '--name: "Bad_Name" is not a valid object name',
    );
    expect(() => manifestFromFlags({ ...flags, name: 'a', generateName: true })).toThrowError(
      /exclude each other/,
    );
  });
});

describe('manifestFromFlags with --engine-config', () => {
  const ansible = { ...flags, engine: 'ansible', bundle: 'quay.io/acme/restart:1' };

  it('sets spec.workflowRef.engineConfig as an object of strings, values as written', () => {
    expect(
      manifestFromFlags({
        ...ansible,
        engineConfig: [
          'jobTemplateName=Restart service',
          'playbookPath=restart.yml',
          'inventoryName=production',
          'extra=a=b',
        ],
      }).spec.workflowRef,
    ).toEqual({
      workflowId: 'restart',
      version: '1',
      executionBundle: 'quay.io/acme/restart:1',
      engineConfig: {
        jobTemplateName: 'Restart service',
        playbookPath: 'restart.yml',
        inventoryName: 'production',
        extra: 'a=b',
      },
    });
  });

  it('sends no engineConfig without the flag, and leaves other engines to the controller', () => {
    expect(manifestFromFlags({ ...flags, engineConfig: [] }).spec.workflowRef).not.toHaveProperty(
      'engineConfig',
    );
    expect(
      manifestFromFlags({ ...flags, engineConfig: ['anything=x'] }).spec.workflowRef.engineConfig,
    ).toEqual({ anything: 'x' });
    expect(
      manifestFromFlags({
        ...flags,
        engine: 'process',
        customEngine: true,
        engineConfig: ['workingDir=/opt/workflows'],
      }).spec.workflowRef.engineConfig,
    ).toEqual({ workingDir: '/opt/workflows' });
  });

  it('refuses an ansible run without the keys its engine requires, naming each and the fix', () => {
    const error = (() => {
      try {
        manifestFromFlags(ansible);
      } catch (e) {
        return e as InputError;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect(error?.issues).toEqual([
      { path: '--engine-config jobTemplateName', message: 'is required (expected string)' },
      {
        path: '--engine-config playbookPath',
        message: expect.stringContaining('is required by the ansible engine'),
      },
    ]);
    expect(error?.fix).toBe(
      'add --engine-config jobTemplateName=VALUE --engine-config playbookPath=VALUE; the ansible engine reads its settings from --engine-config KEY=VALUE (docs/backends/ describes what each engine reads), or give a manifest with -f',
    );
    expect(() =>
      manifestFromFlags({ ...ansible, engineConfig: ['playbookPath=restart.yml'] }),
    ).toThrow(
      expect.objectContaining({
        issues: [
          { path: '--engine-config jobTemplateName', message: 'is required (expected string)' },
        ],
        fix: expect.stringMatching(/^add --engine-config jobTemplateName=VALUE; /),
      }),
    );
  });

  it('refuses an empty value the ansible engine refuses, without asking to add the key', () => {
    expect(() =>
      manifestFromFlags({
        ...ansible,
        engineConfig: ['jobTemplateName=', 'playbookPath=restart.yml', 'inventoryName='],
      }),
    ).toThrow(
      expect.objectContaining({
        issues: [
          { path: '--engine-config jobTemplateName', message: 'must not be empty' },
          { path: '--engine-config inventoryName', message: 'must not be empty' },
        ],
        fix: expect.stringMatching(/^the ansible engine reads its settings/),
      }),
    );
  });

  it('checks the flags themselves before the engine', () => {
    expect(() =>
      manifestFromFlags({ ...ansible, engineConfig: ['jobTemplateName=a', 'jobTemplateName=b'] }),
    ).toThrowError('--engine-config jobTemplateName: is given twice');
  });
});

describe('workflowFromBundle', () => {
  it.each([
    ['registry.example.com/team/restart:1.2', 'restart', '1.2'],
    ['localhost:5000/restart', 'restart', 'latest'],
    ['quay.io/x/scale@sha256:0123456789abcdef0123', 'scale', 'sha256:0123456789ab'],
    ['https://github.com/org/playbooks.git', 'playbooks', 'latest'],
  ])('%s is workflow %s version %s', (bundle, workflowId, version) => {
    expect(workflowFromBundle(bundle)).toEqual({ workflowId, version });
  });

  it('makes a name prefix the server accepts', () => {
    expect(generateNamePrefix('Restart_App')).toBe('restart-app-');
    expect(generateNamePrefix('___')).toBe('run-');
  });
});

describe('manifestFromText', () => {
  const ns = { value: 'team-a', explicit: false };
  const yaml = `apiVersion: roundhouse.dev/v1alpha1
kind: WorkflowExecution
metadata:
  name: restart-1
spec:
  workflowRef: { workflowId: restart, version: "1", executionBundle: registry.invalid/restart:1 }
  targetResource: prod/deployment/app
  executionEngine: job
status:
  phase: Completed
`;

  it('takes a manifest of the API group it is given, and refuses one of another', () => {
    const kubernautYaml = yaml.replace('roundhouse.dev/', 'kubernaut.ai/');
    expect(manifestFromText(kubernautYaml, 'wfe.yaml', ns, false, kubernaut).apiVersion).toBe(
      'kubernaut.ai/v1alpha1',
    );
    expect(() => manifestFromText(yaml, 'wfe.yaml', ns, false, kubernaut)).toThrow(
      'has apiVersion roundhouse.dev/v1alpha1; this CLI speaks kubernaut.ai/v1alpha1',
    );
    expect(() => manifestFromText(kubernautYaml, 'wfe.yaml', ns, false)).toThrow(
      'this CLI speaks roundhouse.dev/v1alpha1',
    );
  });

  it('takes one WorkflowExecution, in the namespace of the context, without its status', () => {
    const manifest = manifestFromText(yaml, 'wfe.yaml', ns, false);
    expect(manifest.metadata).toEqual({ name: 'restart-1', namespace: 'team-a' });
    expect(manifest).not.toHaveProperty('status');
  });

  it('says where a manifest is not YAML in one line, without the code frame of its lines', () => {
    const broken = yaml.replace(
      '  executionEngine: job',
      '  executionEngine: [job\n token: s3cr3t-77',
    );
    let message = '';
    try {
      manifestFromText(broken, 'w.yaml', ns, false);
    } catch (error) {
      message = formatError(error);
    }
    expect(message).toMatch(
      /^error: w\.yaml: is not valid YAML: .+ at line \d+, column \d+\nfix: /,
    );
    expect(message).not.toContain('\\n');
    expect(message).not.toContain('s3cr3t-77');
  });

  it('refuses other kinds, several documents, bad specs and a clashing namespace', () => {
    expect(() => manifestFromText('kind: Pod\n', 'p.yaml', ns, false)).toThrowError(
      'p.yaml: is not a WorkflowExecution',
    );
    expect(() => manifestFromText(`${yaml}---\n${yaml}`, 'two.yaml', ns, false)).toThrowError(
      /exactly one YAML document/,
    );
    expect(() =>
      manifestFromText(yaml.replace('prod/deployment/app', 'x y'), 'w.yaml', ns, false),
    ).toThrowError(ConfigurationError);
    expect(() =>
      manifestFromText(
        yaml.replace('name: restart-1', 'name: r\n  namespace: other'),
        'w.yaml',
        {
          value: 'team-a',
          explicit: true,
        },
        false,
      ),
    ).toThrowError("--namespace: team-a does not match the manifest's other");
  });

  it('refuses metadata the API server would refuse, naming the field, before anything is sent', () => {
    const named = (metadata: string) =>
      manifestFromText(yaml.replace('  name: restart-1', metadata), 'w.yaml', ns, false);
    expect(() => named('  name: Restart_1')).toThrowError(
      'w.yaml: metadata.name: "Restart_1" is not a valid object name',
    );
    expect(() => named('  name: ok\n  namespace: Team/A')).toThrowError(
      'w.yaml: metadata.namespace: "Team/A" is not a valid namespace',
    );
    expect(() => named('  generateName: Run_')).toThrowError(
      'w.yaml: metadata.generateName: "Run_" is not a valid name prefix',
    );
    expect(() => named(`  name: ${'a'.repeat(300)}`)).toThrowError(
      /: "a{76}\.\.\. is not a valid object name$/,
    );
    expect(named('  generateName: restart-').metadata.generateName).toBe('restart-');
    expect(() =>
      manifestFromText(
        yaml.replace(/metadata:\n {2}name: restart-1/, 'metadata: [1]'),
        'w.yaml',
        ns,
        false,
      ),
    ).toThrowError('w.yaml: metadata must be an object');
  });

  it('refuses parameter names the engines would refuse once the execution exists', () => {
    const withParameter = yaml.replace(
      'executionEngine: job',
      'executionEngine: job\n  parameters: { "A B": x, TARGET_RESOURCE: y }',
    );
    let error: unknown;
    try {
      manifestFromText(withParameter, 'w.yaml', ns, false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).issues.map((i) => i.path)).toEqual([
      'spec.parameters.A B',
      'spec.parameters.TARGET_RESOURCE',
    ]);
    expect((error as InputError).fix).toBe('rename the parameters named above in w.yaml');
  });

  it('refuses a file whose aliases expand without end, saying so', () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [from, to] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
      ['e', 'f'],
    ]) {
      rows.push(`${to}: &${to} [${Array(9).fill(`*${from}`).join(', ')}]`);
    }
    expect(() =>
      manifestFromText(`${rows.join('\n')}\nkind: WorkflowExecution\n`, 'bomb.yaml', ns, false),
    ).toThrowError(/^bomb\.yaml: cannot be read: Excessive alias count/);
  });

  it('refuses a zero or negative timeout the controller would fail the execution for', () => {
    const timed = (timeout: string) =>
      yaml.replace(
        'executionEngine: job',
        `executionEngine: job\n  executionConfig: { timeout: "${timeout}" }`,
      );
    expect(() => manifestFromText(timed('-5m'), 'w.yaml', ns, false)).toThrowError(
      'spec.executionConfig.timeout: "-5m" is not a positive Go duration of at least 1ms',
    );
    expect(manifestFromText(timed('10m'), 'w.yaml', ns, false).spec.executionConfig).toEqual({
      timeout: '10m',
    });
    expect(() => manifestFromFlags({ ...flags, timeout: '0s' })).toThrow(
      expect.objectContaining({
        message: expect.stringContaining('--timeout: "0s" is not a positive Go duration'),
        fix: 'pass a positive Go duration: --timeout 10m',
      }),
    );
  });
});
