import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { podControls, type Stage, stages, stagesYaml } from './stages.js';

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
      'Pod/pod-succeed',
      'Pod/pod-fail',
      'Pod/pod-delete',
    ]);
  });

  it('serialise to YAML documents KWOK reads back unchanged', () => {
    const docs = parseAllDocuments(stagesYaml()).map((d) => d.toJS());
    expect(docs).toEqual(stages());
  });

  it('never let success and failure both match a pod: they split on one key with In and NotIn', () => {
    const succeed = byName('pod-succeed').spec.selector.matchExpressions;
    const fail = byName('pod-fail').spec.selector.matchExpressions;
    const split = (exprs: typeof succeed) =>
      exprs.find((e) => e.key === `.metadata.annotations["${podControls.exitCode}"] // "0"`);
    expect(split(succeed)).toMatchObject({ operator: 'In', values: ['0'] });
    expect(split(fail)).toMatchObject({ operator: 'NotIn', values: ['0'] });
    expect(split(succeed)?.key).toBe(split(fail)?.key);
    const rest = (exprs: typeof succeed) => exprs.filter((e) => e !== split(exprs));
    expect(rest(succeed)).toEqual(rest(fail));
  });

  it('fail a pod with the annotated exit code and reason Error', () => {
    const template = byName('pod-fail').spec.next.statusTemplate ?? '';
    expect(template).toContain(`index .metadata.annotations "${podControls.exitCode}" | atoi`);
    expect(template).toContain('reason: Error');
    expect(template).toContain('phase: Failed');
    expect(byName('pod-succeed').spec.next.statusTemplate).toContain('reason: Completed');
  });

  it('delay finishing by the run-seconds annotation, read as seconds', () => {
    for (const name of ['pod-succeed', 'pod-fail']) {
      expect(byName(name).spec.delay?.durationFrom.expressionFrom).toBe(
        `(.metadata.annotations["${podControls.runSeconds}"] // empty) + "s"`,
      );
    }
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
