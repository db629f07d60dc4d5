import { describe, expect, it } from 'vitest';
import { ConfigurationError, ExecutionForbiddenError } from './errors.js';
import { executionResources, ResourceRequirementsSchema } from './resource-requirements.js';
import { configurationIssuesOf } from './testing/configuration-issues.js';
import { sampleExecution } from './testing/sample-execution.js';
import { parseWorkflowExecution } from './workflow-execution.js';

describe('executionResources', () => {
  const engine = { requests: { cpu: '100m' }, limits: { cpu: '2', memory: '1Gi' } };

  it("keeps the engine's resources when the execution asks for none", () => {
    expect(executionResources(undefined, engine)).toBe(engine);
    expect(executionResources(undefined, undefined)).toBeUndefined();
  });

  it("replaces the engine's resources one by one", () => {
    expect(
      executionResources({ requests: { cpu: '2', memory: '256Mi' }, limits: {} }, engine),
    ).toEqual({ requests: { cpu: '2', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } });
  });

  it('passes any resource through when the engine sets no limit at all, as kubernaut does', () => {
    expect(
      executionResources(
        { limits: { cpu: '1', 'nvidia.com/gpu': '8' } },
        { requests: engine.requests },
      ),
    ).toEqual({ requests: { cpu: '100m' }, limits: { cpu: '1', 'nvidia.com/gpu': '8' } });
    expect(
      executionResources({ limits: { 'hugepages-2Mi': '1Gi', memory: '1Gi' } }, undefined),
    ).toEqual({ limits: { 'hugepages-2Mi': '1Gi', memory: '1Gi' } });
  });

  it.each([
    ['limits', 'nvidia.com/gpu', '8'],
    ['limits', 'ephemeral-storage', '500Gi'],
    ['requests', 'hugepages-2Mi', '1Gi'],
  ] as const)(
    'refuses %s.%s, which the engine sets no limit for once it limits anything, naming the field and the fix',
    (section, name, quantity) => {
      let error: unknown;
      try {
        executionResources({ [section]: { memory: '512Mi', [name]: quantity } }, engine);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ExecutionForbiddenError);
      expect(error).toMatchObject({
        reason: 'Forbidden',
        path: `spec.workflowRef.resources.${section}.${name}`,
      });
      expect((error as Error).message).toContain('ask only for cpu, memory');
      expect((error as Error).message).toContain(
        `ask the operator to give the engine a limit for ${name}`,
      );
    },
  );

  it("refuses a request or limit past the engine's limit, naming the field and the limit", () => {
    for (const requested of [{ limits: { memory: '2Gi' } }, { requests: { memory: '1025Mi' } }]) {
      const attempt = () => executionResources(requested, engine);
      expect(attempt).toThrow(ExecutionForbiddenError);
      expect(attempt).toThrow(/more than the 1Gi this engine allows/);
    }
    expect(() => executionResources({ limits: { memory: '2Gi' } }, engine)).toThrow(
      expect.objectContaining({
        reason: 'Forbidden',
        path: 'spec.workflowRef.resources.limits.memory',
      }),
    );
    expect(executionResources({ limits: { memory: '512Mi' } }, engine)).toEqual({
      requests: { cpu: '100m' },
      limits: { cpu: '2', memory: '512Mi' },
    });
  });

  it("refuses a zero limit under the engine's limit, which the kubelet reads as none at all", () => {
    for (const zero of ['0', '0Gi', '0m', '0e400']) {
      const attempt = () => executionResources({ limits: { memory: zero } }, engine);
      expect(attempt).toThrow(ExecutionForbiddenError);
      expect(attempt).toThrow(/means no limit to the kubelet/);
    }
    // A zero request asks for less, which is the author's to ask.
    expect(executionResources({ requests: { memory: '0' } }, engine)?.requests).toMatchObject({
      memory: '0',
    });
  });

  it.each([
    ['700m', '0.7'],
    ['1400m', '1.4'],
    ['9m', '0.009'],
    ['1900m', '1.9'],
    ['2300m', '2.3'],
  ])(
    'takes %s of cpu under a limit or an engine ceiling of %s: quantities compare exactly',
    (asked, bound) => {
      expect(
        executionResources({ requests: { cpu: asked }, limits: { cpu: bound } }, undefined),
      ).toEqual({ requests: { cpu: asked }, limits: { cpu: bound } });
      expect(
        executionResources({ limits: { cpu: asked } }, { limits: { cpu: bound, memory: '1Gi' } }),
      ).toEqual({ limits: { cpu: asked, memory: '1Gi' } });
    },
  );

  it('refuses a request or limit past its bound by one byte, past 2^53 as well', () => {
    const attempt = () =>
      executionResources(
        { requests: { memory: '9007199254740993' }, limits: { memory: '9007199254740992' } },
        undefined,
      );
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/is more than its limit \(9007199254740992\)/);
    expect(() =>
      executionResources(
        { limits: { memory: '9007199254740993' } },
        { limits: { memory: '9007199254740992' } },
      ),
    ).toThrow(ExecutionForbiddenError);
  });

  it('refuses a request above its own limit before anything is created', () => {
    const attempt = () =>
      executionResources({ requests: { cpu: '2' }, limits: { cpu: '500m' } }, undefined);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/request for cpu \(2\) is more than its limit \(500m\)/);
    // An engine request above the execution's new limit is named by the limit that lowered it.
    try {
      executionResources({ limits: { cpu: '50m' } }, engine);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigurationError).issues[0]?.path).toBe(
        'spec.workflowRef.resources.limits.cpu',
      );
    }
  });
});

/** The paths and messages of what the schema refuses in `resources`; [] when it takes them. */
function refused(resources: unknown) {
  const result = ResourceRequirementsSchema.safeParse(resources);
  return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
}

describe("ResourceRequirementsSchema (an engine's settings): what kube-apiserver's ValidateResourceRequirements refuses", () => {
  it.each([
    ['foo', 'is not a resource a container can ask for'],
    ['pods', 'is not a resource a container can ask for'],
    ['requests.cpu', 'is not a resource a container can ask for'],
    ['storage', 'is not a resource a container can ask for'],
    ['requests.example.com/gpu', 'may not start with "requests."'],
  ])('refuses the name %s, with the fix', (name, message) => {
    for (const section of ['requests', 'limits']) {
      expect(refused({ [section]: { [name]: '1' } })).toEqual([
        [`${section}.${name}`, expect.stringContaining(message)],
      ]);
    }
    expect(refused({ limits: { foo: '1' } })[0]?.[1]).toContain(
      'ask for cpu, memory, ephemeral-storage or hugepages-<page size>',
    );
  });

  it('refuses a fraction of an extended resource, counted in whole units as the API server counts', () => {
    for (const quantity of ['500m', '1.5', '1u', '0.0001']) {
      expect(refused({ limits: { 'nvidia.com/gpu': quantity } })).toEqual([
        ['limits.nvidia.com/gpu', expect.stringContaining('is handed out in whole units')],
      ]);
    }
    // 1.1k is 1100 exactly, though 1.1 * 1000 is not in floating point.
    for (const quantity of ['1', 2, '1.1k', '2e3', '0']) {
      expect(refused({ limits: { 'nvidia.com/gpu': quantity } })).toEqual([]);
    }
  });

  it('refuses hugepages that are not whole pages, or a page size that is no quantity', () => {
    expect(refused({ limits: { 'hugepages-2Mi': '3Mi' } })).toEqual([
      ['limits.hugepages-2Mi', expect.stringContaining('not a whole number of 2Mi pages')],
    ]);
    expect(refused({ requests: { 'hugepages-1Gi': '1.5Gi' } })).toHaveLength(1);
    for (const name of ['hugepages-foo', 'hugepages-0']) {
      expect(refused({ limits: { [name]: '2Mi' } })).toEqual([
        [`limits.${name}`, expect.stringContaining('names no page size')],
      ]);
    }
    expect(refused({ limits: { 'hugepages-2Mi': '4Mi', 'hugepages-1Gi': '2Gi' } })).toEqual([]);
  });

  it('takes what the API server takes, though no node may have it', () => {
    // kubernetes.io's own names are not extended: any quantity, and a node may advertise them.
    // A node's ephemeral storage has no bound either: the scheduler says none fits.
    expect(
      refused({
        requests: { 'kubernetes.io/x': '500m', 'ephemeral-storage': '1Ei' },
        limits: { 'example.kubernetes.io/y': '1', cpu: '2', memory: '1Gi' },
      }),
    ).toEqual([]);
  });

  it('takes a quantity with a leading +, which apimachinery parses, and refuses a negative one or one too long to read', () => {
    expect(refused({ limits: { cpu: '+1', memory: '+1Gi' }, requests: { cpu: '+500m' } })).toEqual(
      [],
    );
    for (const quantity of ['-1', '1e99999999']) {
      expect(refused({ limits: { cpu: quantity } })).toEqual([
        ['limits.cpu', 'must be a quantity such as "500m", 2 or "1Gi"'],
      ]);
    }
  });
});

/** An execution of `engine` whose workflowRef asks for `resources`, as a manifest writes it. */
function executionAsking(resources: unknown, engine: string) {
  const wfe = structuredClone(sampleExecution()) as {
    spec: { executionEngine?: string; workflowRef: object };
  };
  wfe.spec.executionEngine = engine;
  wfe.spec.workflowRef = { ...wfe.spec.workflowRef, resources };
  return wfe;
}

describe("an execution's resources: checked only by an engine that puts them into a container", () => {
  const asked = { requests: { foo: '1', 'nvidia.com/gpu': '500m' }, limits: { pods: 2 } };

  it('parses resources the API server would refuse in a container, for any engine', () => {
    // tekton and awx ignore them (they warn they are unused), kubernaut's CRD takes any name,
    // and an execution stored with them before must still be read.
    for (const engine of ['tekton', 'ansible', 'job', 'pod']) {
      expect(
        parseWorkflowExecution(executionAsking(asked, engine)).spec.workflowRef.resources,
      ).toEqual({ requests: { foo: '1', 'nvidia.com/gpu': '500m' }, limits: { pods: '2' } });
    }
    // The grammar is still the schema's: no quantity, no resource list.
    expect(
      configurationIssuesOf(() =>
        parseWorkflowExecution(executionAsking({ requests: { cpu: 'lots' } }, 'tekton')),
      ).map((i) => i.path),
    ).toEqual(['spec.workflowRef.resources.requests.cpu']);
  });

  it('refuses them when the engine builds the container, naming each field and its fix', () => {
    const { resources } = parseWorkflowExecution(executionAsking(asked, 'job')).spec.workflowRef;
    for (const admission of [{}, { limitRangeDefaults: true }]) {
      expect(
        configurationIssuesOf(() => executionResources(resources, undefined, admission)),
      ).toEqual([
        {
          path: 'spec.workflowRef.resources.limits.pods',
          message: expect.stringContaining('is not a resource a container can ask for'),
        },
        {
          path: 'spec.workflowRef.resources.requests.foo',
          message: expect.stringContaining(
            'or for an extended resource by its domain (example.com/foo)',
          ),
        },
        {
          path: 'spec.workflowRef.resources.requests.nvidia.com/gpu',
          message: expect.stringContaining('is handed out in whole units'),
        },
      ]);
    }
    // Before the engine's ceilings: the name is wrong whatever the operator allows.
    expect(
      configurationIssuesOf(() =>
        executionResources({ requests: { foo: '1' } }, { limits: { cpu: '1' } }),
      ).map((i) => i.path),
    ).toEqual(['spec.workflowRef.resources.requests.foo']);
  });
});

describe('executionResources: what the API server refuses in the resources put together', () => {
  const issue = (run: () => unknown) => configurationIssuesOf(run);

  it('refuses a request for an extended resource or hugepages without the same limit', () => {
    expect(
      issue(() => executionResources({ requests: { 'nvidia.com/gpu': '1' } }, undefined)),
    ).toEqual([
      {
        path: 'spec.workflowRef.resources.requests.nvidia.com/gpu',
        message: expect.stringContaining('set limits.nvidia.com/gpu to 1'),
      },
    ]);
    expect(
      issue(() =>
        executionResources(
          { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '2' } },
          undefined,
        ),
      ),
    ).toEqual([
      {
        path: 'spec.workflowRef.resources.requests.nvidia.com/gpu',
        message: expect.stringContaining('differs from its limit (2)'),
      },
    ]);
    expect(
      issue(() =>
        executionResources(
          { requests: { 'hugepages-2Mi': '2Mi', memory: '1Gi' }, limits: { memory: '1Gi' } },
          undefined,
        ),
      ),
    ).toEqual([
      {
        path: 'spec.workflowRef.resources.requests.hugepages-2Mi',
        message: expect.stringContaining('needs a limit of the same quantity'),
      },
    ]);
  });

  it("takes a limit alone, or a request equal to the limit, the engine's included", () => {
    expect(executionResources({ limits: { 'nvidia.com/gpu': '1' } }, undefined)).toEqual({
      limits: { 'nvidia.com/gpu': '1' },
    });
    expect(
      executionResources(
        { requests: { 'nvidia.com/gpu': '1000m' }, limits: { 'nvidia.com/gpu': '1' } },
        undefined,
      ),
    ).toMatchObject({ requests: { 'nvidia.com/gpu': '1000m' } });
    const engine = { limits: { 'nvidia.com/gpu': '1', memory: '1Gi' } };
    expect(executionResources({ requests: { 'nvidia.com/gpu': '1' } }, engine)).toEqual({
      limits: engine.limits,
      requests: { 'nvidia.com/gpu': '1' },
    });
    // Below the engine's limit is within its ceiling, and still not the limit the pod gets.
    expect(
      issue(() => executionResources({ requests: { 'nvidia.com/gpu': '0' } }, engine))[0]?.path,
    ).toBe('spec.workflowRef.resources.requests.nvidia.com/gpu');
  });

  it('refuses hugepages without cpu or memory, naming the hugepages asked for', () => {
    expect(
      issue(() => executionResources({ limits: { 'hugepages-2Mi': '2Mi' } }, undefined)),
    ).toEqual([
      {
        path: 'spec.workflowRef.resources.limits.hugepages-2Mi',
        message: expect.stringContaining('ask for memory (or cpu) as well'),
      },
    ]);
    // The engine's memory request is beside them in the pod.
    expect(
      issue(() =>
        executionResources({ limits: { 'hugepages-2Mi': '2Mi' } }, { requests: { memory: '1Gi' } }),
      ),
    ).toEqual([]);
  });
});

describe('executionResources for a bare Pod, which a LimitRange may complete first', () => {
  const pod = { limitRangeDefaults: true };

  it('leaves a missing limit and missing cpu or memory to the API server', () => {
    expect(executionResources({ requests: { 'nvidia.com/gpu': '1' } }, undefined, pod)).toEqual({
      requests: { 'nvidia.com/gpu': '1' },
    });
    expect(executionResources({ limits: { 'hugepages-2Mi': '2Mi' } }, undefined, pod)).toEqual({
      limits: { 'hugepages-2Mi': '2Mi' },
    });
  });

  it('still refuses what no default changes: a limit it sets differing from the request, or below it', () => {
    // LimitRanger only fills in what a container lacks.
    expect(
      configurationIssuesOf(() =>
        executionResources(
          { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '2' } },
          undefined,
          pod,
        ),
      ),
    ).toEqual([
      {
        path: 'spec.workflowRef.resources.requests.nvidia.com/gpu',
        message: expect.stringContaining('differs from its limit (2)'),
      },
    ]);
    expect(
      configurationIssuesOf(() =>
        executionResources({ requests: { cpu: '2' }, limits: { cpu: '1' } }, undefined, pod),
      ).map((i) => i.path),
    ).toEqual(['spec.workflowRef.resources.requests.cpu']);
  });
});
