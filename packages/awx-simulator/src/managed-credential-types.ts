import type { z } from 'zod';
import {
  type CredentialKind,
  type CredentialType,
  credentialTypeInputsSchema,
} from './credential-types.js';
import type { Micros } from './timestamps.js';

interface ManagedType {
  readonly name: string;
  readonly kind: CredentialKind;
  readonly namespace: string;
  readonly inputs: z.input<typeof credentialTypeInputsSchema>;
}

/**
 * A few of the types AWX installs itself (awx_plugins.credentials.plugins), so lookups by name
 * and kind meet realistic data. They have no `injectors`: AWX injects a managed type with the
 * function of awx_plugins.credentials.injectors named by its namespace (see injection.ts).
 */
export const MANAGED_CREDENTIAL_TYPES: readonly ManagedType[] = [
  {
    name: 'Machine',
    kind: 'ssh',
    namespace: 'ssh',
    inputs: {
      fields: [
        { id: 'username', label: 'Username', type: 'string' },
        { id: 'password', label: 'Password', type: 'string', secret: true, ask_at_runtime: true },
        {
          id: 'ssh_key_data',
          label: 'SSH Private Key',
          type: 'string',
          format: 'ssh_private_key',
          secret: true,
          multiline: true,
        },
        {
          id: 'ssh_key_unlock',
          label: 'Private Key Passphrase',
          type: 'string',
          secret: true,
          ask_at_runtime: true,
        },
        { id: 'become_method', label: 'Privilege Escalation Method', type: 'string' },
        { id: 'become_username', label: 'Privilege Escalation Username', type: 'string' },
        {
          id: 'become_password',
          label: 'Privilege Escalation Password',
          type: 'string',
          secret: true,
          ask_at_runtime: true,
        },
      ],
    },
  },
  {
    name: 'Source Control',
    kind: 'scm',
    namespace: 'scm',
    inputs: {
      fields: [
        { id: 'username', label: 'Username', type: 'string' },
        { id: 'password', label: 'Password', type: 'string', secret: true },
      ],
    },
  },
  {
    name: 'Vault',
    kind: 'vault',
    namespace: 'vault',
    inputs: {
      fields: [
        {
          id: 'vault_password',
          label: 'Vault Password',
          type: 'string',
          secret: true,
          ask_at_runtime: true,
        },
        { id: 'vault_id', label: 'Vault Identifier', type: 'string', format: 'vault_id' },
      ],
      required: ['vault_password'],
    },
  },
  {
    name: 'Amazon Web Services',
    kind: 'cloud',
    namespace: 'aws',
    inputs: {
      fields: [
        { id: 'username', label: 'Access Key', type: 'string' },
        { id: 'password', label: 'Secret Key', type: 'string', secret: true },
        { id: 'security_token', label: 'STS Token', type: 'string', secret: true },
      ],
      required: ['username', 'password'],
    },
  },
  {
    name: 'OpenShift or Kubernetes API Bearer Token',
    kind: 'kubernetes',
    namespace: 'kubernetes_bearer_token',
    inputs: {
      fields: [
        {
          id: 'host',
          label: 'OpenShift or Kubernetes API Endpoint',
          type: 'string',
          help_text: 'The OpenShift or Kubernetes API Endpoint to authenticate with.',
        },
        {
          id: 'bearer_token',
          label: 'API authentication bearer token',
          type: 'string',
          secret: true,
        },
        { id: 'verify_ssl', label: 'Verify SSL', type: 'boolean', default: true },
        {
          id: 'ssl_ca_cert',
          label: 'Certificate Authority data',
          type: 'string',
          secret: true,
          multiline: true,
        },
      ],
      required: ['host', 'bearer_token'],
    },
  },
];

export function managedCredentialType(
  definition: ManagedType,
  id: number,
  created: Micros,
): CredentialType {
  return {
    id,
    name: definition.name,
    description: '',
    kind: definition.kind,
    managed: true,
    namespace: definition.namespace,
    inputs: credentialTypeInputsSchema.parse(definition.inputs),
    rawInputs: definition.inputs,
    injectors: {},
    created,
  };
}
