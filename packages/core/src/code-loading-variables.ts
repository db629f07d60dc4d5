// Past 350 lines: one list by design. Split by tool, a reviewer asking whether a name is
// refused would have to read every part, and a name could sit in two parts or in none.

/**
 * Environment variables that make the dynamic loader, a shell, a language runtime or a common
 * tool load or run code other than the program it starts (a library to preload, a file to
 * source, a module path, interpreter options, a configuration file that names a command), or
 * that change whom it trusts and where it sends its credentials (a proxy, a CA bundle, an API
 * server, a credentials file).
 *
 * A WorkflowExecution's parameters become the environment of an image the operator trusts for
 * what it runs itself. A parameter naming one of these would let the author run code of their
 * choosing inside it, under the workflow's ServiceAccount (`BASH_ENV='$(…)'` runs a command in
 * every non-interactive bash; a mounted ConfigMap can hold the library `LD_PRELOAD` names), or
 * read what the workflow sends with that ServiceAccount's token (`HTTPS_PROXY` and a CA of
 * theirs see every request in clear). The set starts from what glibc drops for set-user-ID
 * programs and what sudo's `env_reset` drops for a less trusted caller, with the runtimes and
 * tools remediation images use added. Business names (`TARGET_NAMESPACE`, `REPLICAS`,
 * `NODE_NAME`, `TF_VAR_*`) stay allowed: only a whole family that is configuration is a prefix.
 */
const variables = new Set([
  // glibc's loader, locale and resolver
  'GCONV_PATH',
  'GETCONF_DIR',
  'GLIBC_TUNABLES',
  'HOSTALIASES',
  'LOCALDOMAIN',
  'LOCPATH',
  'MALLOC_TRACE',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'TZDIR',
  // shells, and the shell other programs start for a command
  'BASHOPTS',
  'BASH_ENV',
  'CDPATH',
  'ENV',
  'FPATH',
  'GLOBIGNORE',
  'IFS',
  'PATH',
  'PS4',
  'SHELL',
  'SHELLOPTS',
  'ZDOTDIR',
  // the directories every shell, git, npm, curl and ssh read their start-up and configuration
  // files from (.bashrc, .gitconfig's core.fsmonitor, .npmrc, .curlrc): a mounted ConfigMap
  // would do
  'CURL_HOME',
  'HOME',
  'WGETRC',
  'XDG_CONFIG_DIRS',
  'XDG_CONFIG_HOME',
  // language runtimes: module paths, start-up files, interpreter and VM options, agents
  'CLASSPATH',
  'GEMRC',
  'GEM_HOME',
  'GEM_PATH',
  'GRADLE_OPTS',
  'JAVA_OPTS',
  'JAVA_TOOL_OPTIONS',
  // the JVM launcher scripts of common tools pass these to java as its options
  // (`-XX:OnOutOfMemoryError=<command>`, `-javaagent:`), and JAVA_HOME chooses the java they run
  'ANT_OPTS',
  'CATALINA_OPTS',
  'ES_JAVA_OPTS',
  'HADOOP_OPTS',
  'JAVA_HOME',
  'KAFKA_OPTS',
  'SBT_OPTS',
  'SPARK_SUBMIT_OPTS',
  'JDK_JAVA_OPTIONS',
  '_JAVA_OPTIONS',
  'MAVEN_OPTS',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_REPL_EXTERNAL_MODULE',
  'PERL5DB',
  'PERL5LIB',
  'PERL5OPT',
  'PERLIO_DEBUG',
  'PERLLIB',
  'PHPRC',
  'PHP_INI_SCAN_DIR',
  'PYTHONBREAKPOINT',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONUSERBASE',
  'PYTHONWARNINGS',
  'RUBYLIB',
  'RUBYOPT',
  // RubyGems loads the Gemfile this names (Ruby code) at every start
  'RUBYGEMS_GEMDEPS',
  // the load paths of Tcl, awk, bash's loadable builtins, Guile, OCaml and Julia: a mounted
  // file of the author's is loaded as a library
  'AWKLIBPATH',
  'AWKPATH',
  'BASH_LOADABLES_PATH',
  'GUILE_LOAD_PATH',
  'JULIA_LOAD_PATH',
  'OCAMLPATH',
  'TCLLIBPATH',
  'TCL_LIBRARY',
  // Erlang's and Elixir's VM: erl adds ERL_AFLAGS, ERL_FLAGS and ERL_ZFLAGS to its command line
  // (erl(1); `-eval` runs an expression), elixir passes ELIXIR_ERL_OPTIONS to erl, and ERL_LIBS
  // adds directories to the code path
  'ELIXIR_ERL_OPTIONS',
  'ERL_AFLAGS',
  'ERL_FLAGS',
  'ERL_LIBS',
  'ERL_ZFLAGS',
  // Go's toolchain: GOFLAGS can add -toolexec, GOTOOLCHAIN downloads and runs another
  // toolchain, the rest choose where modules come from and whether their checksums are checked
  'GOENV',
  'GOFLAGS',
  'GOINSECURE',
  'GONOSUMCHECK',
  'GONOSUMDB',
  'GOPROXY',
  'GOSUMDB',
  'GOTOOLCHAIN',
  // Go's runtime settings: `http2debug=1` has every Go HTTP/2 client (kubectl, helm, anything on
  // client-go) print each request header it sends, the ServiceAccount token's `authorization:
  // Bearer` among them, to the pod's log (net/http's h2_bundle.go, http2ClientConn.writeHeader)
  'GODEBUG',
  // Rust's: cargo runs RUSTC, RUSTDOC and the wrappers in their stead, and RUSTFLAGS can name
  // the linker it runs (`-C linker=`); every cargo setting has a CARGO_ form (below)
  'RUSTC',
  'RUSTC_WORKSPACE_WRAPPER',
  'RUSTC_WRAPPER',
  'RUSTDOC',
  'RUSTDOCFLAGS',
  'RUSTFLAGS',
  // make reads the makefiles MAKEFILES names first, and takes variable definitions
  // (`SHELL=...`, `CC=...`) and options from its flags variables as from its command line
  'GNUMAKEFLAGS',
  'MAKEFILES',
  'MAKEFLAGS',
  'MFLAGS',
  // the compilers and linker build tools run (Python's extension builds run $CC and $LDSHARED,
  // autoconf's configure sources CONFIG_SITE), and the launchers CMake and ccache put before
  // every compiler command
  'CC',
  'CCACHE_PREFIX',
  'CMAKE_CXX_COMPILER_LAUNCHER',
  'CMAKE_C_COMPILER_LAUNCHER',
  'CONFIG_SITE',
  'CPP',
  'CXX',
  'LDSHARED',
  // R sources the R code of its profiles and the environment files that can name them, and
  // loads packages from its library paths
  'R_ENVIRON',
  'R_ENVIRON_USER',
  'R_LIBS',
  'R_LIBS_SITE',
  'R_LIBS_USER',
  'R_PROFILE',
  'R_PROFILE_USER',
  // package managers' indexes and configuration: a package is code run at install
  'BUNDLE_GEMFILE',
  // conda's configuration file: its channels, proxies and whether it verifies TLS
  'CONDARC',
  // OpenSSL loads engines and providers its configuration names
  'OPENSSL_CONF',
  'OPENSSL_ENGINES',
  'OPENSSL_MODULES',
  // which CAs TLS clients trust, whether they verify at all, and where they write session keys:
  // a CA of the author's reads every request the workflow makes, its ServiceAccount token too
  'AWS_CA_BUNDLE',
  'AZURE_CLI_DISABLE_CONNECTION_VERIFICATION',
  'CURL_CA_BUNDLE',
  'GRPC_DEFAULT_SSL_ROOTS_FILE_PATH',
  'NODE_EXTRA_CA_CERTS',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'PYTHONHTTPSVERIFY',
  'REQUESTS_CA_BUNDLE',
  'SSLKEYLOGFILE',
  'SSL_CERT_DIR',
  'SSL_CERT_FILE',
  // where clients find the API server and their credentials: in-cluster clients take the
  // address from KUBERNETES_SERVICE_* and send the ServiceAccount token there; a kubeconfig or
  // cloud configuration can name a command that prints credentials (exec plugin,
  // credential_process, an executable-sourced Google credential)
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AZURE_CONFIG_DIR',
  'GOOGLE_APPLICATION_CREDENTIALS',
  // where the Consul, Nomad and Argo CD CLIs send their token and which CAs they trust
  // (ARGOCD_OPTS holds any flag, `--server` and `--insecure` among them); not their other
  // settings, whose names (ARGOCD_APP_NAME, NOMAD_JOB_NAME) a workflow may well take as its own
  'ARGOCD_OPTS',
  'ARGOCD_SERVER',
  'CONSUL_CACERT',
  'CONSUL_CAPATH',
  'CONSUL_GRPC_ADDR',
  'CONSUL_HTTP_ADDR',
  'CONSUL_HTTP_SSL_VERIFY',
  'CONSUL_TLS_SERVER_NAME',
  'NOMAD_ADDR',
  'NOMAD_CACERT',
  'NOMAD_CAPATH',
  'NOMAD_SKIP_VERIFY',
  'NOMAD_TLS_SERVER_NAME',
  // Kerberos' configuration (its KDCs) and credential cache, and boto's configuration file
  'BOTO_CONFIG',
  'KRB5CCNAME',
  'KRB5_CONFIG',
  // Deno's trusted CAs
  'DENO_CERT',
  'DENO_TLS_CA_STORE',
  'KUBECONFIG',
  'KUBERNETES_MASTER',
  // kubectl's preferences file (kubectl >= 1.33, kuberc.go LoadKuberc): its `defaults` set any
  // flag of any command, `--server` and `--certificate-authority` among them, and the in-cluster
  // configuration sends the ServiceAccount token to that server (client-go's inClusterClientConfig)
  'KUBERC',
  // Terraform's kubernetes and helm providers read these as kubectl reads KUBECONFIG and its
  // flags: a kubeconfig of the author's can hold an exec plugin, or a tokenFile (the runner's
  // ServiceAccount token) sent to a server of theirs; the host, proxy and CA say where requests
  // and the operator's token go, and the contexts which of the operator's credentials are used
  'KUBE_CLUSTER_CA_CERT_DATA',
  'KUBE_CONFIG_PATH',
  'KUBE_CONFIG_PATHS',
  'KUBE_CTX',
  'KUBE_CTX_AUTH_INFO',
  'KUBE_CTX_CLUSTER',
  'KUBE_HOST',
  'KUBE_INSECURE',
  'KUBE_PROXY_URL',
  'KUBE_TLS_SERVER_NAME',
  // Terraform's google provider reads its credentials file from these as from
  // GOOGLE_APPLICATION_CREDENTIALS
  'GCLOUD_KEYFILE_JSON',
  'GOOGLE_CLOUD_KEYFILE_JSON',
  'GOOGLE_CREDENTIALS',
  // where cloud SDKs fetch credentials from and whom they hand a token to in exchange: the AWS
  // container-credentials endpoint is sent the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  // names (the ServiceAccount token, say) as its Authorization header, Azure's authority host
  // the federated token file, a managed-identity endpoint its header; a metadata server of the
  // author's hands the workflow credentials of theirs, so what it writes goes to them
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_FEDERATED_TOKEN_FILE',
  'GCE_METADATA_HOST',
  'GCE_METADATA_IP',
  'GCE_METADATA_ROOT',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IMDS_ENDPOINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  // the same for Terraform's azurerm provider: the metadata host names every endpoint it
  // authenticates to, it sends its OIDC request token to the request URL
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ARM_CLIENT_CERTIFICATE_PATH',
  'ARM_METADATA_HOST',
  'ARM_METADATA_HOSTNAME',
  'ARM_MSI_ENDPOINT',
  'ARM_OIDC_REQUEST_URL',
  'ARM_OIDC_TOKEN_FILE_PATH',
  // libpq (psql, and every client built on it) sends its password to PGHOST, takes it from
  // PGPASSFILE, connection settings from the service file, trusts the CAs of PGSSLROOTCERT
  // and whatever PGSSLMODE allows; psql runs the commands of its start-up file (`\!` runs a
  // shell command), which PSQLRC or PGSYSCONFDIR locate
  'PGHOST',
  'PGHOSTADDR',
  'PGPASSFILE',
  'PGSERVICEFILE',
  'PGSSLMODE',
  'PGSSLROOTCERT',
  'PGSYSCONFDIR',
  'PSQLRC',
  // gpg's home: its keyrings and trust database decide which signatures verify, and
  // gpg-agent.conf names the pinentry program it runs
  'GNUPGHOME',
  // the GitHub CLI sends its token to GH_HOST
  'GH_HOST',
  // podman, skopeo and buildah read registry credentials from this file, where images come from
  // and which helper programs run from their configuration, and a remote podman sends every
  // command to CONTAINER_HOST, as docker does to DOCKER_HOST
  'CONTAINERS_CONF',
  'CONTAINERS_CONF_OVERRIDE',
  'CONTAINERS_REGISTRIES_CONF',
  'CONTAINERS_STORAGE_CONF',
  'CONTAINER_CONNECTION',
  'CONTAINER_HOST',
  'CONTAINER_SSHKEY',
  'REGISTRY_AUTH_FILE',
  // uv, as pip: the package indexes and interpreter downloads it installs code from, the hosts
  // whose certificates it does not check, its configuration file
  'UV_CONFIG_FILE',
  'UV_DEFAULT_INDEX',
  'UV_EXTRA_INDEX_URL',
  'UV_FIND_LINKS',
  'UV_INDEX',
  'UV_INDEX_URL',
  'UV_INSECURE_HOST',
  'UV_PYTHON_INSTALL_MIRROR',
  'UV_PYPY_INSTALL_MIRROR',
  // helm: its plugins run as commands, its data home holds them, its repository and registry
  // files hold credentials and CAs (HELM_KUBE* below: the API server, CA, token, impersonation)
  'HELM_CACHE_HOME',
  'HELM_CONFIG_HOME',
  'HELM_DATA_HOME',
  'HELM_PLUGINS',
  'HELM_REGISTRY_CONFIG',
  'HELM_REPOSITORY_CACHE',
  'HELM_REPOSITORY_CONFIG',
  // terraform: the CLI configuration chooses where providers (code) come from
  'TERRAFORM_CONFIG',
  'TF_CLI_CONFIG_FILE',
  'TF_DATA_DIR',
  'TF_PLUGIN_CACHE_DIR',
  // tools that run commands named in their environment or their configuration file; an editor,
  // a pager or a browser runs without a terminal too (`git commit` with no message); MANOPT
  // gives man options as its command line does (`--pager`, `--html=browser`)
  'BROWSER',
  'EDITOR',
  'EXINIT',
  'GIT_ALLOW_PROTOCOL',
  'GIT_ASKPASS',
  'GIT_COMMON_DIR',
  'GIT_DIR',
  'GIT_EDITOR',
  'GIT_EXEC_PATH',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_PROXY_COMMAND',
  'GIT_SEQUENCE_EDITOR',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_TEMPLATE_DIR',
  // Mercurial's configuration path (its hooks run commands) and editor
  'HGEDITOR',
  'HGRCPATH',
  // git redacts the Authorization header and cookies of its curl traces (GIT_TRACE_CURL,
  // GIT_CURL_VERBOSE) unless this turns it off: the workflow's git credentials reach its log
  'GIT_TRACE_REDACT',
  'KUBE_EDITOR',
  'LESSCLOSE',
  'LESSOPEN',
  'MANOPT',
  'MANPAGER',
  'PAGER',
  // the remote shells rsync, Subversion, CVS and Bazaar run, rsync's connect program, the
  // options GNU tar and Info-ZIP's zip read as their command line's (`--checkpoint-action=exec=`,
  // `-TT <command>`), and the command sops runs for its age key
  'BZR_SSH',
  'CVS_RSH',
  'RSYNC_CONNECT_PROG',
  'RSYNC_RSH',
  'SOPS_AGE_KEY_CMD',
  'SVN_SSH',
  'TAR_OPTIONS',
  'ZIPOPT',
  'SSH_ASKPASS',
  'SSH_ASKPASS_REQUIRE',
  'SUDO_ASKPASS',
  'SYSTEMD_EDITOR',
  'SYSTEMD_PAGER',
  // vim runs VIMINIT (or EXINIT) as an Ex command line (`:!` runs a shell command) and
  // sources its system vimrc from $VIM and its defaults and plugins from $VIMRUNTIME
  'VIM',
  'VIMINIT',
  'VIMRUNTIME',
  'VISUAL',
]);

/**
 * Families, matched by prefix: the loaders' own (`LD_PRELOAD`, `LD_AUDIT`, ...); Lua's
 * `LUA_INIT` (code to run at start) and module paths, versioned or not; the .NET runtime's
 * start-up hooks, profilers and probing paths; git's configuration by environment and its TLS
 * settings; kubectl's (`KUBECTL_EXTERNAL_DIFF` runs a command); the addresses the kubelet
 * gives in-cluster clients; helm's connection to the API server; terraform's extra CLI
 * arguments; the AWS endpoints signed requests go to, and the credential endpoints its SDKs
 * read (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, the instance metadata service); every setting of
 * Vault's CLI (`VAULT_ADDR` receives the token or the ServiceAccount JWT it logs in with) and
 * Docker's (`DOCKER_HOST` is the daemon that is sent every command and build, `DOCKER_CONFIG`
 * names a credential helper to run); every setting of pip, Bundler, Yarn, gcloud, cargo and
 * conda (an index URL, a trusted host, `yarnPath`, `CLOUDSDK_PYTHON`, a target's `runner` or
 * `linker`, a channel); and Ansible's, every
 * setting of which its environment can set: plugin and module paths, `ANSIBLE_SSH_COMMON_ARGS`
 * (a `ProxyCommand` runs a command), an executable vault password file. The AWX engine refuses
 * `ansible_*` extra_vars for the same reason.
 */
const prefixes = [
  'LD_',
  'DYLD_',
  'LUA_',
  'DOTNET_',
  'CORECLR_',
  'COMPlus_',
  'GIT_CONFIG',
  'GIT_SSL_',
  'KUBECTL_',
  'KUBERNETES_SERVICE_',
  'KUBERNETES_PORT',
  'HELM_KUBE',
  'TF_CLI_ARGS',
  'AWS_ENDPOINT_URL',
  'AWS_CONTAINER_',
  'AWS_EC2_METADATA_',
  'VAULT_',
  'DOCKER_',
  'PIP_',
  'BUNDLE_',
  'YARN_',
  'CLOUDSDK_',
  'CARGO_',
  'CONDA_',
  'ANSIBLE_',
];

/**
 * Read whatever their case: curl, Go, Python and most HTTP clients take `https_proxy` as well
 * as `HTTPS_PROXY`, so a proxy of the author's sees what the workflow sends (`NO_PROXY` steers
 * requests past the operator's proxy); npm reads `npm_config_*` in any case, and with it a
 * registry, a CA, `script-shell` or `node-options`.
 */
const anyCaseVariables = new Set([
  'ALL_PROXY',
  'FTP_PROXY',
  'GRPC_PROXY',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
]);
const anyCasePrefixes = ['NPM_CONFIG_'];

/**
 * Whether setting `name` in a program's environment changes which code it loads or runs, or
 * whom it trusts with its requests and credentials.
 */
export function isCodeLoadingVariable(name: string): boolean {
  if (variables.has(name) || prefixes.some((prefix) => name.startsWith(prefix))) return true;
  const upper = name.toUpperCase();
  return anyCaseVariables.has(upper) || anyCasePrefixes.some((prefix) => upper.startsWith(prefix));
}
