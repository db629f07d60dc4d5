import { isAllowedSource } from '@roundhouse/core';
import type { DistExecView } from '../spec.js';

/**
 * The spec as node Jobs may run it: one whose image (`spec.image`, or the controller's
 * `--image` when it is unset) the operator's `--allowed-images` does not allow becomes a spec
 * problem, so every node records it refused and no Job is created. A node Job runs on every
 * node, every taint tolerated, as the runner ServiceAccount: an author must not choose an
 * image through it that they could not run themselves.
 */
export function admitImage(
  spec: DistExecView['spec'],
  allowedImages: readonly string[],
  defaultImage: string,
): DistExecView['spec'] {
  if (!spec.valid) return spec;
  const image = spec.value.image ?? defaultImage;
  if (isAllowedSource(allowedImages, image)) return spec;
  const allowed = allowedImages.length
    ? `(${allowedImages.join(', ')})`
    : '(it allows none until configured)';
  const [which, fix] =
    spec.value.image === undefined
      ? [`unset, so the controller's --image "${image}" would run, and it is`, 'set spec.image to']
      : [`image "${image}" is`, 'use'];
  return {
    valid: false,
    message: `spec.image: ${which} not among the images this controller runs ${allowed}; ${fix} an allowed image, or ask the operator to add it to --allowed-images`,
  };
}
