import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { discoveryPath, parseWarnings, queryString, resourcePath } from './paths.js';
import { apiVersionOf, resources } from './resources.js';

describe('resourcePath', () => {
  it.each([
    [resources.jobs, { namespace: 'ns' }, '/apis/batch/v1/namespaces/ns/jobs'],
    [resources.jobs, { namespace: 'ns', name: 'wfe-1' }, '/apis/batch/v1/namespaces/ns/jobs/wfe-1'],
    [resources.pods, { namespace: 'ns' }, '/api/v1/namespaces/ns/pods'],
    [resources.namespaces, { name: 'team-a' }, '/api/v1/namespaces/team-a'],
    [resources.namespaces, { namespace: 'ignored', name: 'x' }, '/api/v1/namespaces/x'],
    [
      resources.pipelineRuns,
      { namespace: 'ci', name: 'pr', subresource: 'status' as const },
      '/apis/tekton.dev/v1/namespaces/ci/pipelineruns/pr/status',
    ],
    [resources.jobs, {}, '/apis/batch/v1/jobs'],
  ])('%o %o -> %s', (type, options, path) => {
    expect(resourcePath(type, options)).toBe(path);
  });

  it('encodes names so they cannot escape their path segment', () => {
    expect(resourcePath(resources.secrets, { namespace: 'a', name: 'x?y#z w' })).toBe(
      '/api/v1/namespaces/a/secrets/x%3Fy%23z%20w',
    );
  });

  it.each([
    [{ namespace: 'ns', name: '.' }, 'name'],
    [{ namespace: 'ns', name: '..' }, 'name'],
    [{ namespace: 'ns', name: '' }, 'name'],
    [{ namespace: 'ns', name: 'x/status' }, 'name'],
    [{ namespace: 'ns', name: '%2e%2e' }, 'name'],
    [{ namespace: '..', name: 'x' }, 'namespace'],
    [{ namespace: 'a/b', name: 'x' }, 'namespace'],
  ])('refuses %o, which would address something else, naming %s', (options, field) => {
    let error: unknown;
    try {
      resourcePath(resources.secrets, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues[0]?.path).toBe(field);
  });
});

describe('discovery and apiVersion', () => {
  it('uses /api for the core group and /apis otherwise', () => {
    expect(discoveryPath(resources.pods)).toBe('/api/v1');
    expect(discoveryPath(resources.pipelineRuns)).toBe('/apis/tekton.dev/v1');
    expect(apiVersionOf(resources.pods)).toBe('v1');
    expect(apiVersionOf(resources.jobs)).toBe('batch/v1');
  });
});

describe('queryString', () => {
  it('drops undefined values and encodes the rest', () => {
    expect(queryString({ labelSelector: 'a=b,c in (d)', limit: 10, continue: undefined })).toBe(
      '?labelSelector=a%3Db%2Cc+in+%28d%29&limit=10',
    );
    expect(queryString({ x: undefined })).toBe('');
  });

  it('encodes every character as URLSearchParams does', () => {
    const ascii = String.fromCharCode(...Array.from({ length: 128 }, (_, code) => code));
    for (const value of [ascii, 'héllo wörld', 'a😀b', 'lone \uD800 high', 'lone \uDC00 low', '']) {
      const params = { [`key ${value}`]: value, n: 5, yes: true };
      expect(queryString(params)).toBe(`?${new URLSearchParams(params as Record<string, string>)}`);
    }
  });
});

describe('parseWarnings', () => {
  it('reads one or several warnings, unescaping quotes', () => {
    expect(
      parseWarnings(
        '299 - "child pods are preserved by default when jobs are deleted", 299 - "say \\"hi\\""',
      ),
    ).toEqual(['child pods are preserved by default when jobs are deleted', 'say "hi"']);
    expect(parseWarnings(null)).toEqual([]);
  });
});
