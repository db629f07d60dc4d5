import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { containerOutcomes, podControls, type Stage, stages, stagesYaml } from './stages.js';

const byName = (name: string): Stage => {
  const stage = stages().find((s) => s.metadata.name === name);
  if (!stage) throw new Error(`no stage ${name}`);
  return stage;
};

describe('KWOK stages', () => {
  it('cover a node becoming Ready and a pod starting, finishing and going away', () => {
    expect(stages().map((s) => `${s.spec.resourceRef.kind}/${s.metadata.name}`)).toEqual([
      'Node/node-initialize',
      'Pod/pod-ready',
      'Pod/pod-finish',
      'Pod/pod-delete',
    ]);
  });

  it('serialise to YAML documents KWOK reads back unchanged', () => {
    const docs = parseAllDocuments(stagesYaml()).map((d) => d.toJS());
    expect(docs).toEqual(stages());
  });

  it('finish Job pods and pods carrying any control annotation', () => {
    const finishes = byName('pod-finish').spec.selector.matchExpressions.find((e) =>
      e.key.includes('ownerReferences'),
    );
    for (const key of Object.values(podControls)) expect(finishes?.key).toContain(`has("${key}")`);
  });

  it('end each container with its own outcome, else the pod exit code, and fail the pod on any non-zero code', () => {
    const template = byName('pod-finish').spec.next.statusTemplate ?? '';
    expect(template).toContain(`index $annotations "${podControls.exitCode}" | default "0" | atoi`);
    expect(template).toContain(`index $annotations "${podControls.containers}"`);
    expect(template).toContain('{{ if ne $code 0 }}{{ $phase = "Failed" }}{{ end }}');
    expect(template).toContain('reason: {{ if eq $code 0 }}Completed{{ else }}Error{{ end }}');
    expect(template).toContain('message: {{ . | Quote }}');
  });

  it('delay finishing by the run-seconds annotation, else by the containers run times added up', () => {
    expect(byName('pod-finish').spec.delay?.durationFrom.expressionFrom).toBe(
      `(.metadata.annotations["${podControls.runSeconds}"] // ` +
        `((.metadata.annotations["${podControls.containers}"] // "{}") | fromjson | [.[] | .runSeconds // 0] | add // 0 | tostring)) + "s"`,
    );
  });

  it('write container outcomes as one JSON annotation', () => {
    expect(containerOutcomes({ 'step-a': { exitCode: 3, runSeconds: 1.5, message: 'm' } })).toEqual(
      { [podControls.containers]: '{"step-a":{"exitCode":3,"runSeconds":1.5,"message":"m"}}' },
    );
  });

  it('leave deleting pods to pod-delete only', () => {
    for (const stage of stages().filter((s) => s.spec.resourceRef.kind === 'Pod')) {
      const deletion = stage.spec.selector.matchExpressions.find(
        (e) => e.key === '.metadata.deletionTimestamp',
      );
      expect(deletion?.operator).toBe(
        stage.metadata.name === 'pod-delete' ? 'Exists' : 'DoesNotExist',
      );
    }
  });
});
