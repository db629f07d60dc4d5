import {
  ConfigurationError,
  ociReferencePattern,
  referenceDigestProblem,
  toFieldIssues,
} from '@roundhouse/core';
import { z } from 'zod';

/** Where the steps travel in a WorkflowExecution, for error paths a user can find. */
export const engineConfigPath = 'spec.workflowRef.engineConfig';

/**
 * A script, a variable's value or a path reaches the kernel as a C string (an argument of
 * `execve`, the environment, `chdir`), which a NUL ends: the runtime refuses such a container,
 * so the step is refused here. One pattern per field rather than a refinement, so a CRD that
 * embeds `StepSchema` has the API server refuse it too (a CRD keeps one pattern per field).
 */
const cString = '[^\\x00]*';

export const withoutNul = (schema: z.ZodString) =>
  schema.regex(new RegExp(`^${cString}$`), {
    error: 'must not contain a NUL character: the kernel ends a script, a value or a path at one',
  });

const imageReference = new RegExp(ociReferencePattern);

const StepEnvVarSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'must be a C identifier (letters, digits and "_", not starting with a digit)',
  }),
  value: withoutNul(z.string()),
});

/**
 * Container names a service mesh's injector takes for its own. Istio treats a container named
 * `istio-proxy` (or one of its init containers) in the Pod as an override of the sidecar it
 * injects ("Customizing injection" in its sidecar-injection docs): a step so named would run the
 * author's image and script as the proxy, with the proxy's projected ServiceAccount token
 * (`istio-token`), its mesh certificates' CA and its user, whose traffic the mesh does not
 * redirect. Linkerd's injector skips a Pod that already holds a container of its names, so the
 * steps would run outside the mesh and its egress policy. Neither is the author's to choose.
 */
const meshContainerNames = new Set([
  'istio-proxy',
  'istio-init',
  'istio-validation',
  'linkerd-proxy',
  'linkerd-init',
  'linkerd-network-validator',
]);

/** One step: a container that runs `script` through the image's shell with `set -e`. */
export const StepSchema = z.strictObject({
  /** The container's name, so a DNS-1123 label: `kubectl logs <pod> -c <name>` shows its output. */
  name: z
    .string()
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
      error: 'must be a DNS-1123 label (a-z, 0-9 and "-", at most 63 characters)',
    })
    .refine((name) => !meshContainerNames.has(name), {
      error:
        "is the name of a service mesh's own container, which its injector would merge the step into (or take for its sidecar and skip the Pod); name the step otherwise",
    }),
  image: z
    .string()
    .max(512)
    .regex(imageReference, {
      error: (issue) => {
        const digest = referenceDigestProblem(String(issue.input));
        return digest
          ? `its digest: ${digest}`
          : 'must be an OCI image reference such as "registry.example.com/tools/kubectl:1.36"';
      },
    }),
  script: withoutNul(z.string().min(1, { error: 'must not be empty' })),
  env: z.array(StepEnvVarSchema).optional(),
  workingDir: z
    .string()
    .regex(new RegExp(`^/${cString}$`), {
      error: 'must be an absolute path, without a NUL character',
    })
    .optional(),
});

/**
 * The most steps one execution may have: each is a container of one Pod on one node, started
 * at once when `parallel`, so an author could otherwise put thousands on a node.
 */
export const maxSteps = 100;

/** The steps of one Pod: at least one, at most {@link maxSteps}. */
export const StepsSchema = z
  .array(StepSchema)
  .min(1, { error: 'needs at least one step' })
  .max(maxSteps, { error: `at most ${maxSteps} steps: split the work over several executions` });

/** What `spec.workflowRef.engineConfig` holds for the pod engine. */
export const PodConfigSchema = z
  .strictObject({
    steps: StepsSchema,
    /** Run every step at once instead of one after another. */
    parallel: z.boolean().optional(),
  })
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.steps.forEach((step, index) => {
      if (seen.has(step.name)) {
        context.addIssue({
          code: 'custom',
          path: ['steps', index, 'name'],
          message: `duplicate step name "${step.name}"`,
        });
      }
      seen.add(step.name);
    });
  });

export type Step = z.infer<typeof StepSchema>;
export type PodConfig = z.infer<typeof PodConfigSchema>;

/**
 * The steps of an execution, from its `engineConfig`. Throws a ConfigurationError naming every
 * bad field under `spec.workflowRef.engineConfig`, before anything is sent to the cluster.
 */
export function parsePodConfig(engineConfig: unknown): PodConfig {
  if (engineConfig === undefined) {
    throw new ConfigurationError({
      path: engineConfigPath,
      message: 'is required by the pod engine: {steps: [{name, image, script}], parallel?}',
    });
  }
  const result = PodConfigSchema.safeParse(engineConfig);
  if (!result.success)
    throw new ConfigurationError(toFieldIssues(result.error, engineConfigPath, engineConfig));
  return result.data;
}
