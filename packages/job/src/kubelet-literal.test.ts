import { describe, expect, it } from 'vitest';
import { kubeletLiteral } from './kubelet-literal.js';

/**
 * The kubelet's expansion of env values, command and args (kubernetes
 * third_party/forked/golang/expansion/expand.go), with `vars` as the variables it knows.
 */
function kubeletExpand(input: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 === input.length) {
      out += input[i];
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 1;
    } else if (next === '(' && input.indexOf(')', i + 2) !== -1) {
      const end = input.indexOf(')', i + 2);
      const name = input.slice(i + 2, end);
      out += vars[name] ?? `$(${name})`;
      i = end;
    } else {
      out += `$${next}`;
      i += 1;
    }
  }
  return out;
}

const vars = { TARGET_RESOURCE: 'default/deployment/my-app', KUBERNETES_SERVICE_HOST: '10.0.0.1' };

describe('kubeletLiteral', () => {
  it('is needed: the kubelet rewrites a raw value', () => {
    expect(kubeletExpand('pa$$word', vars)).toBe('pa$word');
    expect(kubeletExpand('on $(TARGET_RESOURCE)', vars)).toBe('on default/deployment/my-app');
  });

  it.each([
    'plain',
    '',
    '$',
    '$$',
    'pa$$word',
    '$(TARGET_RESOURCE)',
    '$$(TARGET_RESOURCE)',
    'host=$(KUBERNETES_SERVICE_HOST) pid=$$ home=$HOME',
    'echo $(date) $(',
    'trailing $',
  ])('reaches the container as written: %j', (value) => {
    expect(kubeletExpand(kubeletLiteral(value), vars)).toBe(value);
  });

  it('doubles every dollar and changes nothing else', () => {
    expect(kubeletLiteral('a$(B)$$c')).toBe('a$$(B)$$$$c');
    expect(kubeletLiteral('no dollars here')).toBe('no dollars here');
  });
});
