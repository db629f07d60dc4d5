import { describe, expect, it } from 'vitest';
import { isCodeLoadingVariable } from './code-loading-variables.js';
import { ConfigurationError } from './errors.js';
import { parameterEnv } from './parameters.js';

/** The issues a parameter named `name` is refused with, or none. */
const refusal = (name: string) => {
  try {
    parameterEnv('t/x', { REPLICAS: '3', [name]: '/run/kubernaut/configmaps/c/evil' });
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).issues;
  }
};

describe('isCodeLoadingVariable', () => {
  it.each([
    // Terraform's kubernetes and helm providers: a kubeconfig with an exec plugin or a
    // tokenFile, where requests and the token go, which credentials are used
    'KUBE_CONFIG_PATH',
    'KUBE_CONFIG_PATHS',
    'KUBE_HOST',
    'KUBE_PROXY_URL',
    'KUBE_INSECURE',
    'KUBE_CLUSTER_CA_CERT_DATA',
    'KUBE_TLS_SERVER_NAME',
    'KUBE_CTX',
    'KUBE_CTX_AUTH_INFO',
    'KUBE_CTX_CLUSTER',
    // Terraform's google and azurerm providers: credential files and token endpoints
    'GOOGLE_CREDENTIALS',
    'GOOGLE_CLOUD_KEYFILE_JSON',
    'GCLOUD_KEYFILE_JSON',
    'ARM_METADATA_HOSTNAME',
    'ARM_METADATA_HOST',
    'ARM_OIDC_REQUEST_URL',
    'ACTIONS_ID_TOKEN_REQUEST_URL',
    'ARM_OIDC_TOKEN_FILE_PATH',
    'ARM_CLIENT_CERTIFICATE_PATH',
    'ARM_MSI_ENDPOINT',
    // Rust and make: a compiler, wrapper or linker to run, makefiles and variables to read
    'RUSTC',
    'RUSTC_WRAPPER',
    'RUSTC_WORKSPACE_WRAPPER',
    'RUSTDOC',
    'RUSTFLAGS',
    'RUSTDOCFLAGS',
    'CARGO_HOME',
    'CARGO_BUILD_RUSTC_WRAPPER',
    'CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER',
    'MAKEFLAGS',
    'GNUMAKEFLAGS',
    'MFLAGS',
    'MAKEFILES',
    // tools whose environment names a command, options that run one, or a compiler to run
    // (red team h382: TAR_OPTIONS ran `sh -c` inside an operator's tar bundle)
    'TAR_OPTIONS',
    'ZIPOPT',
    'RSYNC_RSH',
    'RSYNC_CONNECT_PROG',
    'SVN_SSH',
    'CVS_RSH',
    'BZR_SSH',
    'SOPS_AGE_KEY_CMD',
    'CCACHE_PREFIX',
    'CMAKE_C_COMPILER_LAUNCHER',
    'CMAKE_CXX_COMPILER_LAUNCHER',
    'CC',
    'CXX',
    'CPP',
    'LDSHARED',
    'CONFIG_SITE',
    'HGRCPATH',
    'HGEDITOR',
    // JVM launcher scripts' options, and the java they run
    'KAFKA_OPTS',
    'SBT_OPTS',
    'ANT_OPTS',
    'CATALINA_OPTS',
    'HADOOP_OPTS',
    'ES_JAVA_OPTS',
    'SPARK_SUBMIT_OPTS',
    'JAVA_HOME',
    // load paths, and where credentials go
    'RUBYGEMS_GEMDEPS',
    'TCL_LIBRARY',
    'TCLLIBPATH',
    'AWKPATH',
    'AWKLIBPATH',
    'BASH_LOADABLES_PATH',
    'GUILE_LOAD_PATH',
    'OCAMLPATH',
    'JULIA_LOAD_PATH',
    'CONSUL_HTTP_ADDR',
    'CONSUL_CACERT',
    'NOMAD_ADDR',
    'NOMAD_SKIP_VERIFY',
    'ARGOCD_SERVER',
    'ARGOCD_OPTS',
    'KRB5_CONFIG',
    'KRB5CCNAME',
    'BOTO_CONFIG',
    'DENO_CERT',
    'DENO_TLS_CA_STORE',
    // editors and pagers that run commands
    'VIMINIT',
    'EXINIT',
    'VIM',
    'VIMRUNTIME',
    'SYSTEMD_PAGER',
    'SYSTEMD_EDITOR',
    'MANOPT',
    // R's profiles (R code), environment files and library paths
    'R_PROFILE',
    'R_PROFILE_USER',
    'R_ENVIRON',
    'R_ENVIRON_USER',
    'R_LIBS',
    'R_LIBS_USER',
    'R_LIBS_SITE',
    // conda's configuration, in a file or in its environment
    'CONDARC',
    'CONDA_CHANNELS',
    'CONDA_SSL_VERIFY',
    // gpg's keyrings, trust and pinentry program
    'GNUPGHOME',
    // libpq and psql: where the password goes, where it comes from, whom TLS trusts, what
    // psql runs at start
    'PGHOST',
    'PGHOSTADDR',
    'PGPASSFILE',
    'PGSERVICEFILE',
    'PGSYSCONFDIR',
    'PGSSLROOTCERT',
    'PGSSLMODE',
    'PSQLRC',
    // Go's HTTP/2 debug log prints the ServiceAccount token; git's untraced redaction; kubectl's
    // preferences name the API server; Erlang's VM flags run code; az without TLS verification
    'GODEBUG',
    'GIT_TRACE_REDACT',
    'KUBERC',
    'ERL_AFLAGS',
    'ERL_FLAGS',
    'ERL_ZFLAGS',
    'ELIXIR_ERL_OPTIONS',
    'ERL_LIBS',
    'AZURE_CLI_DISABLE_CONNECTION_VERIFICATION',
  ])('refuses %s as a parameter, naming it and the fix', (name) => {
    expect(isCodeLoadingVariable(name)).toBe(true);
    const issues = refusal(name);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(`spec.parameters.${name}`);
    expect(issues[0]?.message).toContain(`e.g. WORKFLOW_${name}`);
  });

  it.each([
    'PGDATABASE',
    'PGUSER',
    'KUBE_NAMESPACE',
    'RUST_LOG',
    'CARGO',
    'MAKE_TARGET',
    'R_HOME_DIR',
    'MYVIMRC',
    'GIT_TRACE',
    'GIT_TRACE_CURL',
    'ERLANG_COOKIE_NAME',
    'ARGOCD_APP_NAME',
    'NOMAD_JOB_NAME',
    'CONSUL_SERVICE',
    'CC_EMAIL',
  ])('leaves %s, which steers no code and no credentials, to the workflow', (name) => {
    expect(isCodeLoadingVariable(name)).toBe(false);
    expect(refusal(name)).toEqual([]);
  });
});
