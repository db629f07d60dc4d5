import { isAllowedSource } from '@roundhouse/core';

/**
 * Why a task may not run `image`, or undefined when the operator's `--allowed-images` allows
 * it. Attempts run as the runner ServiceAccount in the shared execution namespace: an author
 * must not choose an image through the controller that they could not run themselves.
 */
export function refuseImage(image: string, allowedImages: readonly string[]): string | undefined {
  if (isAllowedSource(allowedImages, image)) return undefined;
  const allowed = allowedImages.length
    ? `(${allowedImages.join(', ')})`
    : '(it allows none until configured)';
  return `spec.taskTemplate.image: image "${image}" is not among the images this controller runs ${allowed}; use an allowed image, or ask the operator to add it to --allowed-images`;
}
