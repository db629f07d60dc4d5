/** What completion knows of the CLI: its commands and each one's options. */
export interface CompletionSpec {
  readonly globalOptions: readonly string[];
  readonly commands: readonly { readonly name: string; readonly options: readonly string[] }[];
  /** Values offered after an option, e.g. `--engine` → job tekton ansible. */
  readonly optionValues: Readonly<Record<string, readonly string[]>>;
  /** Commands whose argument is a WorkflowExecution name, completed from `get -o name`. */
  readonly takesName: readonly string[];
}

export type Shell = 'bash' | 'zsh';

/**
 * A completion script for bash, or for zsh through its bash compatibility layer, for both
 * command names. Execution names come from the cluster at completion time (`get -o name`),
 * in the namespace, API group and conventions given on the command line so far.
 */
export function completionScript(shell: Shell, spec: CompletionSpec): string {
  const commands = spec.commands.map((c) => c.name).join(' ');
  const perCommand = spec.commands
    .map((c) => `    ${c.name}) opts="${c.options.join(' ')}" ;;`)
    .join('\n');
  const values = Object.entries(spec.optionValues)
    .map(
      ([option, list]) =>
        `    ${option}) COMPREPLY=($(compgen -W "${list.join(' ')}" -- "$cur")); return ;;`,
    )
    .join('\n');
  const bash = `# ${shell} completion for kubectl-roundhouse and roundhouse
_kubectl_roundhouse() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local commands="${commands}" global="${spec.globalOptions.join(' ')}"
  local command="" namespace=() group=() conventions=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -n|--namespace) namespace=(-n "\${COMP_WORDS[i+1]}") ;;
      --api-group) group=(--api-group "\${COMP_WORDS[i+1]}") ;;
      --conventions) conventions=(--conventions "\${COMP_WORDS[i+1]}") ;;
    esac
    if [[ -z "$command" && " $commands " == *" \${COMP_WORDS[i]} "* ]]; then command="\${COMP_WORDS[i]}"; fi
  done
  case "$prev" in
${values}
  esac
  if [[ -z "$command" ]]; then
    COMPREPLY=($(compgen -W "$commands $global" -- "$cur"))
    return
  fi
  local opts=""
  case "$command" in
${perCommand}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $global" -- "$cur"))
  elif [[ " ${spec.takesName.join(' ')} " == *" $command "* ]]; then
    COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" get "\${namespace[@]}" "\${group[@]}" "\${conventions[@]}" -o name 2>/dev/null | sed 's|.*/||')" -- "$cur"))
  fi
}
complete -F _kubectl_roundhouse kubectl-roundhouse roundhouse
`;
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}
