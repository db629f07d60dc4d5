import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, unreachableCluster } from '../test/support.js';

const cli = (args: string[]) => inProcess(args);

describe('run --engine-config', () => {
  // A kubeconfig whose server nothing listens on: whatever reaches the cluster fails as
  // unreachable, so an error about the flags shows it was refused before anything was sent.
  let dir: string;
  let kubeconfig: string;
  beforeAll(async () => {
    ({ dir, kubeconfig } = await unreachableCluster());
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is completed after run, without values (they are the engine’s)', async () => {
    const { code, stdout } = await cli(['completion', 'bash']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/ {4}run\) opts="[^"]* --engine-config [^"]*" ;;/);
    expect(stdout).not.toContain('--engine-config)');
  });

  it('refuses an ansible run without the required keys before anything is sent', async () => {
    const result = await cli([
      '--kubeconfig',
      kubeconfig,
      'run',
      '--engine',
      'ansible',
      '--target',
      'prod/deployment/app',
      '--bundle',
      'quay.io/acme/restart:1',
      '--engine-config',
      'playbookPath=restart.yml',
    ]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: --engine-config jobTemplateName: is required (expected string)\n' +
        'fix: add --engine-config jobTemplateName=VALUE; the ansible engine reads its settings from --engine-config KEY=VALUE (docs/backends/ describes what each engine reads), or give a manifest with -f\n',
    });
  });

  it('collects repeated flags, and refuses them next to -f', async () => {
    const twice = await cli([
      '--kubeconfig',
      kubeconfig,
      'run',
      '--engine',
      'job',
      '--target',
      'prod/deployment/app',
      '--bundle',
      'quay.io/acme/restart:1',
      '--engine-config',
      'a=1',
      '--engine-config',
      'a=2',
    ]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^error: --engine-config a: is given twice\n/);
    const withFile = await cli([
      '--kubeconfig',
      kubeconfig,
      'run',
      '-f',
      'wfe.yaml',
      '--engine-config',
      'a=1',
    ]);
    expect(withFile.code).toBe(1);
    expect(withFile.stderr).toMatch(/^error: -f: describes the whole execution/);
  });
});

describe('logs --tail', () => {
  it('takes only digits: an empty value is not 0 lines, nor 0x10 sixteen', async () => {
    for (const value of ['', ' ', '0x10', '1e308', '2.5', '-1']) {
      const result = await cli(['logs', 'x', '--tail', value]);
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `error: option '--tail <lines>' argument '${value}' is invalid. must be a whole number of lines, such as 20\n(run with --help for usage)\n`,
      });
    }
  });
});

describe('help', () => {
  it('lists task and taskrun as commands that take a verb, not as [verb...] arguments', async () => {
    const { code, stdout } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {2}task {2,}start and list Tasks/);
    expect(stdout).toMatch(/\n {2}taskrun {2,}list, describe and read/);
    expect(stdout).not.toContain('[verb...]');
  });

  it('still answers a verb task does not know with Invalid Command and the usage', async () => {
    const { code, stdout, stderr } = await cli(['task', 'stop', 'x']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^Invalid Command\nUsage: kubectl roundhouse task \[options\] <command>\n/,
    );
  });
});

describe('--api-group', () => {
  const crdGroup = (yaml: string) => [
    yaml.match(/\n {2}name: (\S+)\n/)?.[1],
    yaml.match(/\n {2}group: (\S+)\n/)?.[1],
  ];

  it('is in the help, with the default that follows --conventions', async () => {
    // The help wraps descriptions to the terminal's width.
    const { stdout } = await cli(['--help']);
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      '--api-group <group> API group of the WorkflowExecutions (default: roundhouse.dev; kubernaut.ai with --conventions kubernaut)',
    );
  });

  it('picks the group of the CRD crd prints: kubernaut.ai with kubernaut conventions unless told', async () => {
    expect(crdGroup((await cli(['crd'])).stdout)).toEqual([
      'workflowexecutions.roundhouse.dev',
      'roundhouse.dev',
    ]);
    expect(crdGroup((await cli(['--api-group', 'kubernaut.ai', 'crd'])).stdout)).toEqual([
      'workflowexecutions.kubernaut.ai',
      'kubernaut.ai',
    ]);
    expect(crdGroup((await cli(['--conventions', 'kubernaut', 'crd'])).stdout)).toEqual([
      'workflowexecutions.kubernaut.ai',
      'kubernaut.ai',
    ]);
    expect(
      crdGroup(
        (await cli(['--conventions', 'kubernaut', '--api-group', 'roundhouse.dev', 'crd'])).stdout,
      ),
    ).toEqual(['workflowexecutions.roundhouse.dev', 'roundhouse.dev']);
  });

  it('refuses a group the API server would refuse before anything is sent, naming the flag', async () => {
    const { dir, kubeconfig } = await unreachableCluster();
    try {
      const result = await cli(['--kubeconfig', kubeconfig, '--api-group', 'kubernaut', 'get']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: --api-group: must be a DNS-1123 subdomain with a dot/);
      expect(result.stderr).not.toContain('unreachable');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('get -o jsonpath and custom-columns', () => {
  it('refuses a malformed template before anything is sent, naming where it goes wrong', async () => {
    const { dir, kubeconfig } = await unreachableCluster();
    try {
      const result = await cli(['--kubeconfig', kubeconfig, 'get', '-o', 'jsonpath={.status']);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(
        /^error: option '-o, --output <format>' argument 'jsonpath=\{\.status' is invalid\. jsonpath template "\{\.status": unclosed action: no "\}" at character 9\n/,
      );
      expect((await cli(['get', '-o', 'custom-columns=NAME'])).stderr).toContain(
        'custom-columns "NAME": "NAME" is not HEADER:PATH',
      );
      expect((await cli(['get', '-o', 'jsonpath='])).stderr).toContain(
        'jsonpath= needs a template',
      );
      expect((await cli(['get', '-o', 'xml'])).stderr).toContain(
        'Allowed choices are wide, json, yaml, name, jsonpath=TEMPLATE, custom-columns=SPEC.',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('completion of execution names', () => {
  it('lists the names of the API group and conventions given on the command line', async () => {
    const { stdout: script } = await cli(['completion', 'bash']);
    const dir = await mkdtemp(join(tmpdir(), 'completion-'));
    try {
      // A stand-in for the CLI that says which arguments `get -o name` was run with.
      const fake = join(dir, 'fake-roundhouse');
      await writeFile(fake, '#!/bin/sh\necho "workflowexecution.kubernaut.ai/$*" | tr " " _\n', {
        mode: 0o755,
      });
      const words = [
        fake,
        '--conventions',
        'kubernaut',
        '--api-group',
        'kubernaut.ai',
        'describe',
        '',
      ];
      const run = spawnSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _kubectl_roundhouse; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      );
      expect(run.stdout).toBe('get_--api-group_kubernaut.ai_--conventions_kubernaut_-o_name\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
