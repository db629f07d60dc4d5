import { KubeConfig } from '@kubernetes/client-node';
import { ConfigurationError, Registry } from '@roundhouse/core';
import { KubeClient } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { TektonExecutor } from './tekton-executor.js';

const client = new KubeClient(new KubeConfig());

describe('TektonExecutor', () => {
  it('registers as the tekton engine', () => {
    expect(new Registry().register(new TektonExecutor(client)).engines()).toEqual(['tekton']);
  });

  it('rejects a bad pipeline name at construction, naming the option', () => {
    const construct = () => new TektonExecutor(client, { pipelineName: 'My Pipeline' });
    expect(construct).toThrow(ConfigurationError);
    expect(construct).toThrow(/^pipelineName: "My Pipeline" is not a valid Pipeline name/);
  });
});
