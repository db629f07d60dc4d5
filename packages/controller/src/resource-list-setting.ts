import { ResourceRequirementsSchema } from '@roundhouse/core';
import { z } from 'zod';

/**
 * A setting that is a container's resource list, written as on a command line:
 * `cpu=2,memory=1Gi` becomes `{ cpu: '2', memory: '1Gi' }`, each quantity checked as the API
 * server checks it, so a bad one stops the controller at start instead of failing every Pod.
 */
export const ResourceListSettingSchema = z
  .string()
  .transform((text) =>
    Object.fromEntries(
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
        .map((entry) => entry.split('=', 2)),
    ),
  )
  .pipe(ResourceRequirementsSchema.shape.limits.unwrap());
