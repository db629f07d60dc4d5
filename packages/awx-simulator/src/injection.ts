/**
 * What AWX's CredentialType.inject_credential does with a job's credential when the job starts
 * (awx/main/models/credential.py): it renders each injector template with
 * `render(**namespace)`, one keyword per input that has a value. Two consequences a client must
 * meet are modelled: an input named `self` collides with `Template.render`'s own parameter, so
 * the job fails with a TypeError before it runs; and an environment variable whose template is a
 * Jinja constant (`{{true}}`, `{{None}}`) gets the constant's text, never an input's value. The
 * job shows what was injected in `job_env`, secrets masked as AWX masks them.
 */
import { type CredentialType, secretFields, typeInjectors } from './credential-types.js';
import { type Credential, ENCRYPTED } from './credentials.js';
import { parseTemplate } from './jinja-templates.js';
import type { LaunchCredential } from './launch-credentials.js';

export type Injection =
  | { readonly ok: true; readonly env: Readonly<Record<string, string>> }
  | {
      readonly ok: false;
      readonly traceback: string;
      /** What BaseTask.run explains a failure of the runner with; none for AWX's own exception. */
      readonly explanation?: string | undefined;
      /** The `job_env` saved as the runner started, before it failed; none if it never did. */
      readonly env?: Readonly<Record<string, string>> | undefined;
    };

const MASK = '**********';

type Value = string | boolean;

/** The `namespace` and `safe_namespace` inject_credential renders with. */
function namespaces(
  type: CredentialType,
  credential: Credential,
): { real: Map<string, Value>; safe: Map<string, Value> } {
  const real = new Map<string, Value>();
  const safe = new Map<string, Value>();
  const secrets = secretFields(type);
  for (const [id, value] of Object.entries(credential.inputs)) {
    if (typeof value === 'boolean') {
      real.set(id, value);
      safe.set(id, value);
      continue;
    }
    const text = String(value);
    if (secrets.has(id)) safe.set(id, MASK);
    else if (text !== '') safe.set(id, text);
    if (text !== '') real.set(id, text);
  }
  for (const field of type.inputs.fields) {
    if (field.type === 'boolean' && !(field.id in credential.inputs)) {
      real.set(field.id, false);
      safe.set(field.id, false);
    }
  }
  return { real, safe };
}

/** Python's `str()` of a namespace value. */
function pythonText(value: Value): string {
  return typeof value === 'boolean' ? (value ? 'True' : 'False') : value;
}

/**
 * A template made of literal text and lone names, rendered as Jinja does without
 * StrictUndefined (a missing input renders empty); `undefined` for any other template, which the
 * simulator cannot render.
 */
function render(template: string, namespace: ReadonlyMap<string, Value>): string | undefined {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return undefined;
  let text = '';
  for (const part of parsed.parts) {
    if (typeof part === 'string') text += part;
    else if (part.lone.kind === 'constant') text += part.lone.text;
    else if (part.lone.kind === 'other') return undefined;
    else if (part.lone.name === 'self') text += '<TemplateReference None>';
    else text += pythonText(namespace.get(part.lone.name) ?? '');
  }
  return text;
}

/**
 * Why decrypt_value raises for a secret input that starts with `$encrypted$`, which AWX stored
 * as it was instead of encrypting it (encrypt_field): the text after the prefix is no
 * `[UTF8$]AESCBC$<token>` (a well-formed one is not a token of AWX's key either).
 */
function decryptFailure(value: string): string {
  const raw = value.slice(ENCRYPTED.length).replace(/^UTF8\$/, '');
  const separator = raw.indexOf('$');
  if (separator < 0) return 'ValueError: not enough values to unpack (expected 2, got 1)';
  const algorithm = raw.slice(0, separator);
  if (algorithm !== 'AESCBC') return `ValueError: unsupported algorithm: ${algorithm}`;
  return 'cryptography.fernet.InvalidToken';
}

/**
 * The credential's environment as the job's `job_env` shows it: each `env` injector the
 * simulator can render (literal text and lone names), with the safe namespace. A type with
 * injectors decrypts every secret input first (get_input), which fails for one AWX stored
 * unencrypted because it started with `$encrypted$`.
 */
export function injectCredential(type: CredentialType, credential: Credential): Injection {
  const injectors = typeInjectors(type);
  if (Object.keys(injectors).length === 0 && type.managed && type.namespace !== null) {
    const inject = builtinInjectors[type.namespace];
    return inject ? inject(type, credential) : { ok: true, env: {} };
  }
  const secrets = secretFields(type);
  const undecryptable = Object.entries(credential.inputs).find(
    ([id, value]) => secrets.has(id) && typeof value === 'string' && value.startsWith(ENCRYPTED),
  );
  if (Object.keys(injectors).length > 0 && undecryptable) {
    return {
      ok: false,
      traceback:
        'Traceback (most recent call last):\n' +
        '  File "awx/main/models/credential.py", in inject_credential\n' +
        '  File "awx/main/utils/encryption.py", in decrypt_value\n' +
        `${decryptFailure(undecryptable[1] as string)}\n`,
    };
  }
  const { real, safe } = namespaces(type, credential);
  const renders =
    Object.keys(injectors.file ?? {}).length +
    Object.keys(injectors.env ?? {}).length +
    Object.keys(injectors.extra_vars ?? {}).length;
  if (renders > 0 && real.has('self')) {
    return {
      ok: false,
      traceback:
        'Traceback (most recent call last):\n' +
        '  File "awx/main/models/credential.py", in inject_credential\n' +
        "TypeError: Template.render() got multiple values for argument 'self'\n",
    };
  }
  const unsafe = Object.values(injectors.env ?? {}).some((t) =>
    render(t, real)?.includes('\u0000'),
  );
  const env: Record<string, string> = {};
  for (const [name, template] of Object.entries(injectors.env ?? {})) {
    const value = render(template, safe);
    if (value !== undefined) env[name] = value;
  }
  return unsafe ? { ...embeddedNul, env } : { ok: true, env };
}

/**
 * A job whose environment would hold NUL: inject_credential renders it (credential.py:646) and
 * the runner gets it as `envvars` (tasks/jobs.py:554), but an environment variable is a
 * NUL-terminated string, and Python refuses one holding NUL when ansible-runner spawns the
 * playbook (pexpect.spawn, ansible_runner/runner.py:286-290), after its `starting` status had
 * AWX save the masked `job_env` (callback.py:196-207). The runner's failure ends the job
 * `error`, explained as such (tasks/jobs.py:616-617), with the worker's traceback.
 */
const embeddedNul = {
  ok: false,
  traceback:
    'Traceback (most recent call last):\n' +
    '  File "ansible_runner/runner.py", in run\n' +
    '  File "os.py", in execvpe\n' +
    'ValueError: embedded null byte\n',
  explanation: 'Job terminated due to error',
} as const;

/**
 * AWX's build_safe_env: what `job_env` shows of an environment a function injector built.
 * Variables whose name looks secret are hidden, and a password inside a URL.
 */
function buildSafeEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const hidden = /API|TOKEN|KEY|SECRET|PASS/i;
  const urlPassword = /^.*?:\/\/[^:]+:(.*?)@.*?$/;
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => {
      if (name === 'AWS_ACCESS_KEY_ID') return [name, value];
      if (
        name.startsWith('ANSIBLE_') &&
        !name.startsWith('ANSIBLE_NET') &&
        !name.startsWith('ANSIBLE_GALAXY_SERVER')
      )
        return [name, value];
      if (hidden.test(name)) return [name, MASK];
      // re.sub of the whole match: the value becomes the mask alone.
      if (urlPassword.test(value)) return [name, value.replace(urlPassword, MASK)];
      return [name, value];
    }),
  );
}

/** Credential.get_input: the input, else the field's default, else `fallback`. */
function getInput(
  type: CredentialType,
  credential: Credential,
  id: string,
  fallback?: Value,
): Value | undefined {
  const value = credential.inputs[id];
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (fallback !== undefined) return fallback;
  return type.inputs.fields.find((f) => f.id === id)?.default;
}

/** A secret input get_input cannot decrypt, which fails the job before it runs. */
function undecryptable(credential: Credential, ids: readonly string[]): Injection | undefined {
  for (const id of ids) {
    const value = credential.inputs[id];
    if (typeof value === 'string' && value.startsWith(ENCRYPTED)) {
      return {
        ok: false,
        traceback:
          'Traceback (most recent call last):\n' +
          '  File "awx_plugins/credentials/injectors.py", in kubernetes_bearer_token\n' +
          '  File "awx/main/utils/encryption.py", in decrypt_value\n' +
          `${decryptFailure(value)}\n`,
      };
    }
  }
  return undefined;
}

/** A mkstemp name under the job's private `env` directory, as the job's container sees it. */
function privateDataFile(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789_';
  let name = 'tmp';
  for (let i = 0; i < 8; i += 1) name += letters[Math.floor(Math.random() * letters.length)];
  return `/runner/env/${name}`;
}

/**
 * awx_plugins.credentials.injectors, by managed type namespace. kubernetes_bearer_token: the
 * server is verified only when verify_ssl is on and a CA certificate is given, which is written
 * to a file; otherwise K8S_AUTH_VERIFY_SSL is False.
 */
const builtinInjectors: Readonly<
  Record<string, (type: CredentialType, credential: Credential) => Injection>
> = {
  kubernetes_bearer_token(type, credential) {
    const verify =
      Boolean(getInput(type, credential, 'verify_ssl')) && 'ssl_ca_cert' in credential.inputs;
    const failure = undecryptable(
      credential,
      verify ? ['bearer_token', 'ssl_ca_cert'] : ['bearer_token'],
    );
    if (failure) return failure;
    const env: Record<string, string> = {
      K8S_AUTH_HOST: pythonText(getInput(type, credential, 'host', '') ?? ''),
      K8S_AUTH_API_KEY: pythonText(getInput(type, credential, 'bearer_token', '') ?? ''),
    };
    if (verify) {
      env.K8S_AUTH_VERIFY_SSL = 'True';
      env.K8S_AUTH_SSL_CA_CERT = privateDataFile();
    } else {
      env.K8S_AUTH_VERIFY_SSL = 'False';
    }
    return { ok: true, env: buildSafeEnv(env) };
  },
};

/**
 * Every credential injected in turn, as BaseTask.run does: the first exception AWX raises stops
 * the job; a value the runner refuses fails it once every credential was injected.
 */
export function injectAll(credentials: readonly LaunchCredential[]): Injection {
  const env: Record<string, string> = {};
  // A value the runner refuses fails the job only once every credential was injected.
  let refused: Injection | undefined;
  for (const { credential, type } of credentials) {
    const injection = injectCredential(type, credential);
    if (!injection.ok && injection.explanation === undefined) return injection;
    if (!injection.ok) refused = injection;
    Object.assign(env, injection.env);
  }
  return refused ? { ...refused, env } : { ok: true, env };
}
