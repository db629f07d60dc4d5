import { describe, expect, it } from 'vitest';
import { ConfigurationError, ExecutionForbiddenError } from './errors.js';
import { executionResources, quantityValue } from './resource-requirements.js';

describe('quantityValue', () => {
  it("reads Kubernetes' suffixes: binary, decimal and exponents", () => {
    expect(quantityValue('500m')).toBeCloseTo(0.5);
    expect(quantityValue('2')).toBe(2);
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('1G')).toBe(1e9);
    expect(quantityValue('1E')).toBe(1e18);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('.5Ki')).toBe(512);
    expect(quantityValue('-1')).toBeUndefined();
    expect(quantityValue('1 Gi')).toBeUndefined();
  });

  it('refuses a fractional exponent, which the API server refuses too', () => {
    expect(quantityValue('1e-3')).toBe(0.001);
    expect(quantityValue('1e1.5')).toBeUndefined();
    expect(quantityValue('1e.5')).toBeUndefined();
  });
});

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
    expect(executionResources({ limits: { 'hugepages-2Mi': '1Gi' } }, undefined)).toEqual({
      limits: { 'hugepages-2Mi': '1Gi' },
    });
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
    for (const zero of ['0', '0Gi', '0m']) {
      const attempt = () => executionResources({ limits: { memory: zero } }, engine);
      expect(attempt).toThrow(ExecutionForbiddenError);
      expect(attempt).toThrow(/means no limit to the kubelet/);
    }
    // A zero request asks for less, which is the author's to ask.
    expect(executionResources({ requests: { memory: '0' } }, engine)?.requests).toMatchObject({
      memory: '0',
    });
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
