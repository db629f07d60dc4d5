/**
 * Environment variables that make the dynamic loader, a shell, a language runtime or a common
 * tool load or run code other than the program it starts: a library to preload, a file to
 * source, a module path, interpreter options, a kubeconfig whose exec plugin runs a command.
 *
 * A WorkflowExecution's parameters become the environment of an image the operator trusts for
 * what it runs itself. A parameter naming one of these would let the author run code of their
 * choosing inside it, under the workflow's ServiceAccount (`BASH_ENV='$(…)'` runs a command in
 * every non-interactive bash; a mounted ConfigMap can hold the library `LD_PRELOAD` names).
 * The set follows what glibc drops for set-user-ID programs and what sudo's `env_reset` drops
 * for a less trusted caller, with the runtimes and tools remediation images use added.
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
  // shells
  'BASHOPTS',
  'BASH_ENV',
  'CDPATH',
  'ENV',
  'FPATH',
  'GLOBIGNORE',
  // the directory every shell, git, npm and ssh read their start-up and configuration files
  // from (.bashrc, .zshenv, .gitconfig's core.fsmonitor, .npmrc): a mounted ConfigMap would do
  'HOME',
  'IFS',
  'PATH',
  'PS4',
  'SHELLOPTS',
  'ZDOTDIR',
  // language runtimes
  'CLASSPATH',
  'JAVA_TOOL_OPTIONS',
  'JDK_JAVA_OPTIONS',
  '_JAVA_OPTIONS',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PERL5DB',
  'PERL5LIB',
  'PERL5OPT',
  'PERLIO_DEBUG',
  'PERLLIB',
  'PYTHONBREAKPOINT',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONUSERBASE',
  'PYTHONWARNINGS',
  'RUBYLIB',
  'RUBYOPT',
  // OpenSSL loads engines and providers its configuration names
  'OPENSSL_CONF',
  'OPENSSL_ENGINES',
  'OPENSSL_MODULES',
  // tools that run commands named in their environment or their configuration file; an editor
  // or a pager runs without a terminal too (`git commit` with no message)
  'EDITOR',
  'GIT_ASKPASS',
  'GIT_EDITOR',
  'GIT_EXEC_PATH',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_PROXY_COMMAND',
  'GIT_SEQUENCE_EDITOR',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_TEMPLATE_DIR',
  'KUBECONFIG',
  'LESSCLOSE',
  'LESSOPEN',
  'PAGER',
  'SSH_ASKPASS',
  'VISUAL',
  'XDG_CONFIG_HOME',
]);

/**
 * Families: the loaders' own (`LD_PRELOAD`, `LD_AUDIT`, ...), git's configuration by
 * environment, and Ansible's, every setting of which its environment can set: plugin and module
 * paths, `ANSIBLE_SSH_COMMON_ARGS` (a `ProxyCommand` runs a command), an executable vault
 * password file. The AWX engine refuses `ansible_*` extra_vars for the same reason.
 */
const prefixes = ['LD_', 'DYLD_', 'GIT_CONFIG', 'ANSIBLE_'];

/** Whether setting `name` in a program's environment changes which code it loads or runs. */
export function isCodeLoadingVariable(name: string): boolean {
  return variables.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}
