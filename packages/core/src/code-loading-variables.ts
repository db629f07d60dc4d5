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
  // tools that run commands named in their environment or their configuration file
  'GIT_ASKPASS',
  'GIT_EXEC_PATH',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'KUBECONFIG',
  'SSH_ASKPASS',
]);

/** Families: the loaders' own (`LD_PRELOAD`, `LD_AUDIT`, ...) and git's configuration by environment. */
const prefixes = ['LD_', 'DYLD_', 'GIT_CONFIG'];

/** Whether setting `name` in a program's environment changes which code it loads or runs. */
export function isCodeLoadingVariable(name: string): boolean {
  return variables.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}
