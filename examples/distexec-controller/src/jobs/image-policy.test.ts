import { describe, expect, it } from 'vitest';
import { distExecView } from '../spec.js';
import { admitImage } from './image-policy.js';

const specOf = (spec: Record<string, unknown>) =>
  distExecView({ metadata: { name: 'ls', namespace: 'ops', generation: 1 }, spec }).spec;

describe('admitImage', () => {
  it('passes a spec whose image the allow-list allows, as written', () => {
    const spec = specOf({ command: 'ls', image: 'registry.example.com/tools/busybox:1.37' });
    expect(admitImage(spec, ['registry.example.com/tools/*'], 'busybox:1.37')).toBe(spec);
    expect(admitImage(spec, ['*'], 'busybox:1.37')).toBe(spec);
  });

  it('refuses spec.image outside the list, naming the field, the image, the list and the flag', () => {
    const spec = specOf({ command: 'ls', image: 'docker.io/library/busybox:1.37' });
    expect(admitImage(spec, ['registry.example.com/*', 'busybox:1.37'], 'busybox:1.37')).toEqual({
      valid: false,
      message:
        'spec.image: image "docker.io/library/busybox:1.37" is not among the images this controller runs (registry.example.com/*, busybox:1.37); use an allowed image, or ask the operator to add it to --allowed-images',
    });
  });

  it('checks the controller image a spec without spec.image would run', () => {
    const spec = specOf({ command: 'ls' });
    expect(admitImage(spec, ['busybox:1.37'], 'busybox:1.37')).toBe(spec);
    expect(admitImage(spec, ['registry.example.com/*'], 'busybox:1.37')).toEqual({
      valid: false,
      message:
        'spec.image: unset, so the controller\'s --image "busybox:1.37" would run, and it is not among the images this controller runs (registry.example.com/*); set spec.image to an allowed image, or ask the operator to add it to --allowed-images',
    });
  });

  it('refuses every image until the operator lists some', () => {
    const refused = admitImage(specOf({ command: 'ls' }), [], 'busybox:1.37');
    expect(refused).toMatchObject({ valid: false });
    expect(!refused.valid && refused.message).toContain('(it allows none until configured)');
  });

  it('leaves a spec that is already refused as it is', () => {
    const spec = specOf({ command: ' ls', image: 'registry.example.com/x:1' });
    expect(admitImage(spec, [], 'busybox:1.37')).toBe(spec);
  });
});
