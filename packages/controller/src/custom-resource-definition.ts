import type { ResourceType } from '@roundhouse/core';
import type { JsonSchema } from './crd-schema.js';

/** A column `kubectl get` shows; `priority: 1` shows it only with `-o wide`. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly priority?: number | undefined;
}

export interface NamespacedCrdOptions {
  /** The resource; its singular name is its kind in lower case. */
  readonly type: Pick<ResourceType, 'group' | 'version' | 'kind' | 'plural'>;
  readonly shortNames: readonly string[];
  /** In the order `kubectl get` shows them, `Age` included where it belongs. */
  readonly printerColumns: readonly PrinterColumn[];
  /** The spec's schema (`crdSchemaOf`), with whatever CEL rules it carries. */
  readonly spec: JsonSchema;
  /** The status's schema; with one, the resource gets a status subresource. */
  readonly status?: JsonSchema | undefined;
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition of one served and stored version. */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly scope: 'Namespaced';
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
      readonly shortNames: readonly string[];
    };
    readonly versions: readonly {
      readonly name: string;
      readonly served: true;
      readonly storage: true;
      readonly subresources?: { readonly status: Record<string, never> } | undefined;
      readonly additionalPrinterColumns: readonly PrinterColumn[];
      readonly schema: {
        readonly openAPIV3Schema: {
          readonly type: 'object';
          readonly required: readonly string[];
          readonly properties: {
            readonly apiVersion: JsonSchema;
            readonly kind: JsonSchema;
            readonly metadata: JsonSchema;
            readonly spec: JsonSchema;
            readonly status?: JsonSchema | undefined;
          };
        };
      };
    }[];
  };
}

/**
 * The CRD of a namespaced resource with one version and a required spec: what every
 * Roundhouse controller installs, written once so the envelope cannot drift between them.
 * Keys come in the order `kubectl` and the shipped manifests show them.
 */
export function namespacedCrd(options: NamespacedCrdOptions): CustomResourceDefinition {
  const { type, status } = options;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${type.plural}.${type.group}` },
    spec: {
      group: type.group,
      scope: 'Namespaced',
      names: {
        kind: type.kind,
        listKind: `${type.kind}List`,
        plural: type.plural,
        singular: type.kind.toLowerCase(),
        shortNames: [...options.shortNames],
      },
      versions: [
        {
          name: type.version,
          served: true,
          storage: true,
          ...(status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: [...options.printerColumns],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: options.spec,
                ...(status ? { status } : {}),
              },
            },
          },
        },
      ],
    },
  };
}
