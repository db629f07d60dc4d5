/**
 * What the agent warns of at every start: agent mode is one trust domain. Every DistExec's
 * command runs in the agent's container as its user, so it can read the agent's token and data
 * directory; whoever may create a DistExec where the agent watches may act as the agent.
 */
export function agentTrustWarning(watchNamespace: string | undefined): string {
  const who =
    watchNamespace === undefined
      ? 'this agent watches every namespace: anyone who may create a DistExec anywhere'
      : `anyone who may create a DistExec in namespace ${watchNamespace}`;
  const bind =
    watchNamespace === undefined
      ? 'set --watch-namespace and bind the DistExec rights there only (deploy/agent-mode/rbac.yaml)'
      : `bind the DistExec rights in ${watchNamespace} only (deploy/agent-mode/rbac.yaml)`;
  return (
    `agent mode is one trust domain: ${who} runs commands in this container with its ServiceAccount token ` +
    `and can read every output recorded on this node, and change every DistExec the token may patch; ${bind}, ` +
    'or use Job mode where authors do not trust one another'
  );
}
