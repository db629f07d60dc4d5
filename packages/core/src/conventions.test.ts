import { describe, expect, it } from 'vitest';
import {
  conventionKeys,
  defineConventions,
  kubernautConventions,
  roundhouseConventions,
} from './conventions.js';
import { ConfigurationError } from './errors.js';

describe('conventions', () => {
  it('ships the Roundhouse defaults', () => {
    expect(roundhouseConventions).toMatchObject({
      labelPrefix: 'roundhouse.dev/',
      secretMountBase: '/run/roundhouse/secrets',
      configMapMountBase: '/run/roundhouse/configmaps',
      // Roundhouse classifies a failed PipelineRun from Tekton's reasons, never words of a message.
      failureClassFromMessage: false,
    });
  });

  it("reproduces kubernaut's values", () => {
    expect(kubernautConventions).toEqual({
      labelPrefix: 'kubernaut.ai/',
      namePrefix: 'wfe-',
      secretMountBase: '/run/kubernaut/secrets',
      configMapMountBase: '/run/kubernaut/configmaps',
      defaultServiceAccountName: 'kubernaut-workflow-runner',
      envPrefix: 'KUBERNAUT',
      engineLabelOnPipelineRuns: false,
      ownerUidRequired: false,
      failureClassFromMessage: true,
    });
    expect(conventionKeys(kubernautConventions).targetResourceAnnotation).toBe(
      'kubernaut.ai/target-resource',
    );
  });

  it('derives custom conventions from a preset', () => {
    const custom = defineConventions({ labelPrefix: 'ops.example.com/' }, kubernautConventions);
    expect(custom.labelPrefix).toBe('ops.example.com/');
    expect(custom.secretMountBase).toBe('/run/kubernaut/secrets');
    expect(Object.isFrozen(custom)).toBe(true);
  });

  it('names every bad field', () => {
    let error: unknown;
    try {
      defineConventions({ labelPrefix: 'Bad Prefix', secretMountBase: 'relative/path' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    const paths = (error as ConfigurationError).issues.map((i) => i.path);
    expect(paths).toEqual(['conventions.labelPrefix', 'conventions.secretMountBase']);
    expect(() => defineConventions({ ownerNoun: 'TaskAction  attempt' })).toThrow(
      /conventions\.ownerNoun: must be words of letters and digits/,
    );
    expect(defineConventions({ ownerNoun: 'TaskAction attempt' }).ownerNoun).toBe(
      'TaskAction attempt',
    );
    expect((error as ConfigurationError).reason).toBe('ConfigurationError');
  });
});
