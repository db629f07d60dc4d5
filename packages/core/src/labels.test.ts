import { describe, expect, it } from 'vitest';
import {
  conventionKeys,
  defineConventions,
  kubernautConventions,
  roundhouseConventions,
} from './conventions.js';
import { PreviousExecutionNotCleanedError, ResourceLockedError } from './errors.js';
import {
  executionMetadata,
  executionOwnerKey,
  isOwnedBy,
  isValidLabelValue,
  ownedResourcesSelector,
  ownerFromLabels,
  targetLabelValue,
  toLabelValue,
} from './labels.js';
import type { WorkflowExecution } from './workflow-execution.js';

const wfe = (name: string, namespace: string, target: string): WorkflowExecution => ({
  metadata: { name, namespace },
  spec: {
    workflowRef: { workflowId: 'restart-pod', version: 'v1', executionBundle: 'quay.io/x/y:1' },
    targetResource: target,
    executionEngine: 'job',
  },
});

describe('targetLabelValue', () => {
  it('keeps kubernaut encoding verbatim when valid', () => {
    expect(targetLabelValue('default/deployment/my-app')).toBe('default__deployment__my-app');
    expect(targetLabelValue('deployment/my-app')).toBe('deployment__my-app');
  });

  it('CTRL-LABEL-01: replaces every "/" by "__", consecutive ones too, as kubernaut does', () => {
    expect(targetLabelValue('namespace/deployment/app-name')).toBe(
      'namespace__deployment__app-name',
    );
    expect(targetLabelValue('path//to///resource')).toBe('path____to______resource');
  });

  it('CTRL-LABEL-03: gives "///" a valid label, where kubernaut\'s "______" would fail the create', () => {
    const value = targetLabelValue('///');
    expect(value).not.toBe('______');
    expect(isValidLabelValue(value)).toBe(true);
  });

  it.each([
    ['long', `ns/deployment/${'a'.repeat(80)}`],
    ['exactly 64 after encoding', `${'n'.repeat(30)}/d/${'x'.repeat(29)}`],
    ['UTF-8', 'ns/deployment/ünïcødé-app'],
    ['trailing punctuation', 'ns/deployment/app.'],
    ['trailing underscore after cut', `ns/deployment/${'b'.repeat(46)}_${'c'.repeat(30)}`],
    ['multi-byte character at the cut', `ns/deployment/${'d'.repeat(46)}é${'e'.repeat(30)}`],
    ['leading punctuation', '-ns/kind/name'],
    ['only punctuation', '../../..'],
    ['spaces and symbols', 'ns/kind/my app!'],
  ])('is always a valid label value: %s', (_case, target) => {
    const value = targetLabelValue(target);
    expect(isValidLabelValue(value), value).toBe(true);
    expect(value.length).toBeLessThanOrEqual(63);
  });

  it('cuts a long value at 63 characters as kubernaut does (its CTRL-LABEL-02) when the cut is valid', () => {
    expect(targetLabelValue('a'.repeat(64))).toBe('a'.repeat(63));
    expect(targetLabelValue('b'.repeat(63))).toBe('b'.repeat(63));
    expect(targetLabelValue(`prod/deployment/${'z'.repeat(80)}`)).toBe(
      `prod__deployment__${'z'.repeat(45)}`,
    );
  });

  it("is label-safe, readable and distinct where kubernaut's cut would be invalid", () => {
    // The 63rd character is "_": kubernaut's label would end in it, and its create fail.
    const a = `ns/deployment/${'a'.repeat(46)}_one-${'x'.repeat(20)}`;
    const b = `ns/deployment/${'a'.repeat(46)}_two-${'x'.repeat(20)}`;
    expect(targetLabelValue(a)).toBe(targetLabelValue(a));
    expect(targetLabelValue(a)).not.toBe(targetLabelValue(b));
    expect(targetLabelValue(a)).toMatch(/^ns__deployment__a+-[0-9a-f]{10}$/);
  });
});

describe("targetLabelValue against kubernaut's sanitizeLabelValue", () => {
  // Each kubernaut value computed by running its sanitizeLabelValue (tekton.go at d5a4a87) under
  // Go, and checked with apimachinery's label-value rule: where it is valid the label is
  // kubernaut's byte for byte (a selector built by its rule finds the resource); where it is
  // not, kubernaut's create fails and Roundhouse writes a valid value instead.
  const a = (n: number) => 'a'.repeat(n);
  it.each([
    ['', ''],
    ['node/worker-node-1', 'node__worker-node-1'],
    [`a/b/${'z'.repeat(300)}`, `a__b__${'z'.repeat(57)}`],
    [`${'n'.repeat(63)}/deployment/${'x'.repeat(253)}`, 'n'.repeat(63)],
    [`production/deployment/${a(39)}`, `production__deployment__${a(39)}`],
    [`production/deployment/${a(40)}`, `production__deployment__${a(39)}`],
    [`prod/deployment/${a(40)}/x`, `prod__deployment__${a(40)}__x`],
  ])('%s: as kubernaut writes it', (target, label) => {
    expect(targetLabelValue(target)).toBe(label);
  });

  it.each([
    ['a cut ending in "-"', `production/deployment/${a(38)}-b`],
    ['a cut ending in "."', `production/deployment/${a(38)}.b`],
    ['a cut ending in the first "_" of an encoded "/"', `prod/deployment/${a(44)}/x`],
    ['a cut through a two-byte character', `prod/deployment/${a(44)}é`],
    ['non-ASCII that fits', 'ns/kind/ünïcødé'],
    ['a character outside the BMP', 'default/pod/😀'],
    ['a trailing space', 'default/deployment/my-app '],
    ['a NUL', '\0'],
  ])("%s: valid where kubernaut's value is not", (_case, target) => {
    const value = targetLabelValue(target);
    expect(isValidLabelValue(value), value).toBe(true);
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(63);
  });
});

describe('toLabelValue', () => {
  it('leaves valid values alone, including the empty string', () => {
    expect(toLabelValue('my-wfe.1_a')).toBe('my-wfe.1_a');
    expect(toLabelValue('')).toBe('');
  });

  it('does not merge values that differ only in an invalid character', () => {
    expect(toLabelValue('a b')).not.toBe(toLabelValue('a_b'));
  });
});

describe('executionMetadata', () => {
  it("produces kubernaut's exact labels and annotation with the kubernaut preset", () => {
    const meta = executionMetadata(
      wfe('wfe-1', 'team-a', 'default/deployment/my-app'),
      'job',
      kubernautConventions,
    );
    expect(meta.labels).toEqual({
      'kubernaut.ai/workflow-execution': 'wfe-1',
      'kubernaut.ai/workflow-id': 'restart-pod',
      'kubernaut.ai/target-resource': 'default__deployment__my-app',
      'kubernaut.ai/source-namespace': 'team-a',
      'kubernaut.ai/execution-engine': 'job',
    });
    expect(meta.annotations).toEqual({
      'kubernaut.ai/target-resource': 'default/deployment/my-app',
    });
    expect(meta.podLabels).toEqual({
      'kubernaut.ai/workflow-execution': 'wfe-1',
      'kubernaut.ai/execution-engine': 'job',
    });
  });

  it('omits the engine label when asked (kubernaut PipelineRuns carry none)', () => {
    const meta = executionMetadata(wfe('w', 'n', 'k/x'), 'tekton', kubernautConventions, {
      engineLabel: false,
    });
    expect(meta.labels).not.toHaveProperty('kubernaut.ai/execution-engine');
  });

  it('keeps the full raw target in the annotation even when the label is shortened', () => {
    const target = `ns/deployment/${'q'.repeat(100)}`;
    const meta = executionMetadata(wfe('w', 'n', target), 'job', roundhouseConventions);
    const keys = conventionKeys(roundhouseConventions);
    expect(meta.annotations[keys.targetResourceAnnotation]).toBe(target);
    expect(meta.labels[keys.targetResourceLabel]).not.toBe(target);
  });
});

describe('ownership', () => {
  /** An execution as the API server returns it, with a uid. */
  const stored = (name: string, namespace: string, uid: string): WorkflowExecution => {
    const execution = wfe(name, namespace, 'ns/k/n');
    return { ...execution, metadata: { ...execution.metadata, uid } };
  };
  const owner = stored('wfe-a', 'team-a', 'uid-a');
  const metadata = executionMetadata(owner, 'job', roundhouseConventions);
  const { labels } = metadata;

  it('recognises the owner by name, source namespace and uid', () => {
    expect(isOwnedBy(metadata, owner, roundhouseConventions)).toBe(true);
    expect(ownerFromLabels(labels, roundhouseConventions)).toEqual({
      name: 'wfe-a',
      namespace: 'team-a',
    });
  });

  it('names the owner as the conventions call it, in a lock error too', () => {
    const taskRuns = defineConventions({ ownerNoun: 'TaskRun' });
    const holder = ownerFromLabels(labels, taskRuns);
    expect(holder).toEqual({ noun: 'TaskRun', name: 'wfe-a', namespace: 'team-a' });
    expect(new ResourceLockedError('wfe-0123', holder).message).toBe(
      'execution resource wfe-0123 already exists: it is held by TaskRun team-a/wfe-a, which is still running',
    );
    expect(new PreviousExecutionNotCleanedError('wfe-0123', holder).message).toContain(
      'of a finished execution by TaskRun team-a/wfe-a still exists',
    );
    // Without one, the WorkflowExecutions they were made for.
    expect(
      new ResourceLockedError('wfe-0123', ownerFromLabels(labels, roundhouseConventions)).message,
    ).toContain('held by WorkflowExecution team-a/wfe-a,');
  });

  it('names the holder of a name over 63 characters in full, not by its shortened label', () => {
    const name = `victim-${'x'.repeat(70)}`;
    const holder = executionMetadata(stored(name, 'team-a', 'uid-v'), 'job', roundhouseConventions);
    const short = holder.labels[conventionKeys(roundhouseConventions).workflowExecutionLabel];
    // The shortened form is a valid name anyone in team-a could give their own execution.
    expect(short).not.toBe(name);
    expect(isValidLabelValue(short as string)).toBe(true);
    const owner = ownerFromLabels(holder.labels, roundhouseConventions, holder.annotations);
    expect(owner).toEqual({ name, namespace: 'team-a' });
    expect(new ResourceLockedError('wfe-0123', owner).message).toContain(`team-a/${name},`);
    expect(new PreviousExecutionNotCleanedError('wfe-0123', owner).message).toContain(
      `team-a/${name} still exists`,
    );
  });

  it('never names someone the annotation claims when the label does not match it', () => {
    const keys = conventionKeys(roundhouseConventions);
    const forged = { [keys.workflowExecutionAnnotation]: `someone-else-${'y'.repeat(60)}` };
    expect(ownerFromLabels(labels, roundhouseConventions, forged)).toEqual({
      name: 'wfe-a',
      namespace: 'team-a',
    });
    // Without the annotation only the label is left to name the holder.
    const long = executionMetadata(
      stored(`v-${'x'.repeat(70)}`, 'team-a', 'u'),
      'job',
      roundhouseConventions,
    );
    expect(ownerFromLabels(long.labels, roundhouseConventions)?.name).toBe(
      long.labels[keys.workflowExecutionLabel],
    );
  });

  it('rejects a same-named execution from another namespace, and another name', () => {
    // The same uid, so only the labels tell them apart.
    expect(isOwnedBy(metadata, stored('wfe-a', 'team-b', 'uid-a'), roundhouseConventions)).toBe(
      false,
    );
    expect(isOwnedBy(metadata, stored('wfe-b', 'team-a', 'uid-a'), roundhouseConventions)).toBe(
      false,
    );
  });

  it('gives an execution without a uid nothing, not even a resource that records none', () => {
    const unstored = wfe('wfe-a', 'team-a', 'ns/k/n');
    expect(isOwnedBy({ labels }, unstored, roundhouseConventions)).toBe(false);
    expect(isOwnedBy(metadata, unstored, roundhouseConventions)).toBe(false);
    // kubernaut's controller records no uid: there the labels alone still decide.
    const kubernaut = executionMetadata(unstored, 'job', kubernautConventions);
    expect(isOwnedBy({ labels: kubernaut.labels }, unstored, kubernautConventions)).toBe(true);
  });

  it("does not read another preset's labels as ownership", () => {
    expect(isOwnedBy(metadata, owner, kubernautConventions)).toBe(false);
    expect(isOwnedBy(undefined, owner, roundhouseConventions)).toBe(false);
  });

  it("refuses a previous incarnation's resource: same name and namespace, another uid", () => {
    const first = { ...owner, metadata: { ...owner.metadata, uid: 'uid-1' } };
    const second = { ...owner, metadata: { ...owner.metadata, uid: 'uid-2' } };
    const recorded = executionMetadata(first, 'job', roundhouseConventions);
    expect(isOwnedBy(recorded, first, roundhouseConventions)).toBe(true);
    expect(isOwnedBy(recorded, second, roundhouseConventions)).toBe(false);
  });

  it("never adopts a resource that carries the owner's labels but not its uid", () => {
    const victim = { ...owner, metadata: { ...owner.metadata, uid: 'uid-victim' } };
    const planted = { labels: executionMetadata(victim, 'job', roundhouseConventions).labels };
    expect(isOwnedBy(planted, victim, roundhouseConventions)).toBe(false);
    expect(isOwnedBy({ ...planted, annotations: {} }, victim, roundhouseConventions)).toBe(false);
  });

  it("matches a kubernaut controller's resource, which records no uid, by its labels alone", () => {
    const execution = { ...owner, metadata: { ...owner.metadata, uid: 'uid-1' } };
    const recorded = executionMetadata(execution, 'job', kubernautConventions);
    expect(isOwnedBy({ labels: recorded.labels }, execution, kubernautConventions)).toBe(true);
    // What Roundhouse recorded under kubernaut's conventions still tells incarnations apart.
    const again = { ...owner, metadata: { ...owner.metadata, uid: 'uid-2' } };
    expect(isOwnedBy(recorded, execution, kubernautConventions)).toBe(true);
    expect(isOwnedBy(recorded, again, kubernautConventions)).toBe(false);
  });
});

describe('executionOwnerKey', () => {
  const conventions = roundhouseConventions;
  const metadataOf = (owner: WorkflowExecution) => {
    const meta = executionMetadata(owner, 'job', conventions);
    return { labels: meta.labels, annotations: meta.annotations };
  };

  it('maps a resource back to namespace/name of its WorkflowExecution', () => {
    const owner = wfe('restart-app', 'team-a', 'prod/deployment/app');
    expect(executionOwnerKey(metadataOf(owner), conventions)).toBe('team-a/restart-app');
  });

  it('finds the full name of a WorkflowExecution whose name does not fit in a label', () => {
    const name = `restart-${'x'.repeat(62)}`;
    const owner = wfe(name, 'team-a', 'prod/deployment/app');
    const metadata = metadataOf(owner);
    expect(metadata.labels[conventionKeys(conventions).workflowExecutionLabel]).not.toBe(name);
    expect(executionOwnerKey(metadata, conventions)).toBe(`team-a/${name}`);
  });

  it('adds no annotation for names that fit, so the kubernaut preset stays byte for byte', () => {
    const owner = wfe('restart-app', 'team-a', 'prod/deployment/app');
    expect(executionMetadata(owner, 'job', kubernautConventions).annotations).toEqual({
      'kubernaut.ai/target-resource': 'prod/deployment/app',
    });
  });

  it('ignores an annotation that names someone other than the label', () => {
    const keys = conventionKeys(conventions);
    const metadata = {
      labels: { [keys.workflowExecutionLabel]: 'mine', [keys.sourceNamespaceLabel]: 'team-a' },
      annotations: { [keys.workflowExecutionAnnotation]: 'someone-else' },
    };
    expect(executionOwnerKey(metadata, conventions)).toBe('team-a/mine');
  });

  it('gives no key for a resource without owner labels', () => {
    expect(executionOwnerKey({ labels: {} }, conventions)).toBeUndefined();
    expect(executionOwnerKey(undefined, conventions)).toBeUndefined();
  });

  it('selects exactly the resources that name an owner', () => {
    expect(ownedResourcesSelector(kubernautConventions)).toBe(
      'kubernaut.ai/workflow-execution,kubernaut.ai/source-namespace',
    );
  });
});
