import { describe, expect, it } from 'vitest';
import { kubernautConventions, roundhouseConventions } from './conventions.js';
import { ConfigurationError } from './errors.js';
import { isDns1123Label } from './kubernetes-names.js';
import { dependencyMounts, dependencyWorkspaces } from './mounts.js';

describe('dependencyMounts', () => {
  it('mounts Secrets first, then ConfigMaps, in declaration order, read-only', () => {
    const result = dependencyMounts(
      { configMaps: [{ name: 'cm-b' }, { name: 'cm-a' }], secrets: [{ name: 'token' }] },
      kubernautConventions,
    );
    expect(result.volumes).toEqual([
      { name: 'secret-token', secret: { secretName: 'token' } },
      { name: 'configmap-cm-b', configMap: { name: 'cm-b' } },
      { name: 'configmap-cm-a', configMap: { name: 'cm-a' } },
    ]);
    expect(result.volumeMounts).toEqual([
      { name: 'secret-token', mountPath: '/run/kubernaut/secrets/token', readOnly: true },
      { name: 'configmap-cm-b', mountPath: '/run/kubernaut/configmaps/cm-b', readOnly: true },
      { name: 'configmap-cm-a', mountPath: '/run/kubernaut/configmaps/cm-a', readOnly: true },
    ]);
  });

  it("uses the conventions' base paths", () => {
    const { volumeMounts } = dependencyMounts({ secrets: [{ name: 's' }] }, roundhouseConventions);
    expect(volumeMounts[0]?.mountPath).toBe('/run/roundhouse/secrets/s');
  });

  it('gives no volumes for no dependencies', () => {
    expect(dependencyMounts(undefined, roundhouseConventions)).toEqual({
      volumes: [],
      volumeMounts: [],
    });
    expect(
      dependencyMounts({ secrets: [], configMaps: [] }, roundhouseConventions).volumes,
    ).toEqual([]);
  });

  it('shortens long volume names deterministically and keeps them DNS labels', () => {
    const long = `s${'x'.repeat(100)}`;
    const a = dependencyMounts({ secrets: [{ name: long }] }, roundhouseConventions);
    const b = dependencyMounts({ secrets: [{ name: long }] }, roundhouseConventions);
    const name = a.volumes[0]?.name as string;
    expect(isDns1123Label(name)).toBe(true);
    expect(name).toBe(b.volumes[0]?.name);
    expect(a.volumes[0]?.secret?.secretName).toBe(long);
    expect(a.volumeMounts[0]?.mountPath).toBe(`/run/roundhouse/secrets/${long}`);
  });

  it('turns dotted object names into distinct valid volume names', () => {
    const { volumes } = dependencyMounts(
      { secrets: [{ name: 'db.creds' }, { name: 'db-creds' }] },
      roundhouseConventions,
    );
    const names = volumes.map((v) => v.name);
    expect(names.every(isDns1123Label)).toBe(true);
    expect(new Set(names).size).toBe(2);
  });

  it('rejects invalid and duplicate names, naming each', () => {
    let error: ConfigurationError | undefined;
    try {
      dependencyMounts(
        {
          secrets: [{ name: 'Bad_Name' }, { name: 'ok' }, { name: 'ok' }],
          configMaps: [{ name: '' }],
        },
        roundhouseConventions,
      );
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error?.issues.map((i) => i.path)).toEqual([
      'dependencies.secrets[0].name',
      'dependencies.secrets[2].name',
      'dependencies.configMaps[0].name',
    ]);
    expect(error?.message).toContain('listed twice');
  });
});

describe('dependencyWorkspaces', () => {
  it('binds Secrets then ConfigMaps as Tekton workspaces', () => {
    expect(
      dependencyWorkspaces({ secrets: [{ name: 's1' }], configMaps: [{ name: 'c1' }] }),
    ).toEqual([
      { name: 'secret-s1', secret: { secretName: 's1' } },
      { name: 'configmap-c1', configMap: { name: 'c1' } },
    ]);
    expect(dependencyWorkspaces(undefined)).toEqual([]);
  });

  it("names a workspace by the name as written, as kubernaut's Pipelines declare it", () => {
    const long = `creds-${'a'.repeat(60)}`;
    expect(
      dependencyWorkspaces({ secrets: [{ name: 'db.creds' }, { name: long }] }).map((w) => w.name),
    ).toEqual(['secret-db.creds', `secret-${long}`]);
  });
});
