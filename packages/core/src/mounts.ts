import type { Conventions } from './conventions.js';
import { ConfigurationError, type FieldIssue } from './errors.js';
import { isDns1123Subdomain, toDns1123Label } from './kubernetes-names.js';
import type { Dependencies } from './workflow-execution.js';

/** The subset of core/v1 Volume that dependency mounts produce. */
export interface DependencyVolume {
  readonly name: string;
  readonly secret?: { readonly secretName: string } | undefined;
  readonly configMap?: { readonly name: string } | undefined;
}

/** The subset of core/v1 VolumeMount that dependency mounts produce. */
export interface DependencyVolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: true;
}

/** A Tekton workspace binding for a dependency. */
export interface DependencyWorkspace {
  readonly name: string;
  readonly secret?: { readonly secretName: string } | undefined;
  readonly configMap?: { readonly name: string } | undefined;
}

interface PlannedDependency {
  readonly kind: 'secret' | 'configMap';
  readonly name: string;
  readonly volumeName: string;
}

/**
 * Validates dependencies and fixes their order: Secrets first, then ConfigMaps, each in
 * declaration order. Every name must be a valid object name and appear once per kind.
 */
function planDependencies(dependencies: Dependencies | undefined): PlannedDependency[] {
  const issues: FieldIssue[] = [];
  const planned: PlannedDependency[] = [];
  const lists = [
    ['secret', 'secrets', dependencies?.secrets ?? []],
    ['configMap', 'configMaps', dependencies?.configMaps ?? []],
  ] as const;
  const volumeNames = new Set<string>();
  for (const [kind, field, refs] of lists) {
    const seen = new Set<string>();
    refs.forEach((ref, index) => {
      const path = `dependencies.${field}[${index}].name`;
      if (!isDns1123Subdomain(ref.name)) {
        issues.push({
          path,
          message: `"${ref.name}" is not a valid ${kind} name (lowercase DNS-1123 subdomain)`,
        });
        return;
      }
      if (seen.has(ref.name)) {
        issues.push({ path, message: `${kind} "${ref.name}" is listed twice` });
        return;
      }
      seen.add(ref.name);
      const volumeName = toDns1123Label(
        `${kind === 'secret' ? 'secret' : 'configmap'}-${ref.name}`,
      );
      if (volumeNames.has(volumeName)) {
        issues.push({
          path,
          message: `"${ref.name}" maps to volume name ${volumeName}, already used`,
        });
        return;
      }
      volumeNames.add(volumeName);
      planned.push({ kind, name: ref.name, volumeName });
    });
  }
  if (issues.length) throw new ConfigurationError(issues);
  return planned;
}

/**
 * Pod volumes and read-only mounts for a workflow's dependencies: Secret `s` at
 * `<secretMountBase>/s`, ConfigMap `c` at `<configMapMountBase>/c`. No dependencies, no volumes.
 */
export function dependencyMounts(
  dependencies: Dependencies | undefined,
  conventions: Conventions,
): { volumes: DependencyVolume[]; volumeMounts: DependencyVolumeMount[] } {
  const planned = planDependencies(dependencies);
  return {
    volumes: planned.map((d) =>
      d.kind === 'secret'
        ? { name: d.volumeName, secret: { secretName: d.name } }
        : { name: d.volumeName, configMap: { name: d.name } },
    ),
    volumeMounts: planned.map((d) => ({
      name: d.volumeName,
      mountPath: `${d.kind === 'secret' ? conventions.secretMountBase : conventions.configMapMountBase}/${d.name}`,
      readOnly: true as const,
    })),
  };
}

/**
 * Tekton workspace bindings for a workflow's dependencies, in the same order as the mounts:
 * `secret-<name>` and `configmap-<name>` as written, kubernaut's names, which the bundle's
 * Pipeline declares. Tekton puts no rule on a workspace's name (a Secret `db.creds` binds
 * `secret-db.creds`); only a pod volume's name must be a DNS-1123 label.
 */
export function dependencyWorkspaces(
  dependencies: Dependencies | undefined,
): DependencyWorkspace[] {
  return planDependencies(dependencies).map((d) =>
    d.kind === 'secret'
      ? { name: `secret-${d.name}`, secret: { secretName: d.name } }
      : { name: `configmap-${d.name}`, configMap: { name: d.name } },
  );
}
