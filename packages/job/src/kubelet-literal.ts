/**
 * `value` written so that a container receives it unchanged as an env value, command or
 * argument. The kubelet expands `$(NAME)` in those fields from the container's earlier
 * variables and the namespace's service variables, and reduces `$$` to `$`; a parameter or a
 * script is the author's text, so every `$` is doubled and the kubelet hands each back as one.
 */
export function kubeletLiteral(value: string): string {
  return value.replaceAll('$', () => '$$');
}
