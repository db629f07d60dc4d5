import { describe, expect, it } from 'vitest';
import { agentTrustWarning } from './agent-trust.js';

describe('agentTrustWarning', () => {
  it('says that an agent watching every namespace hands every author its token', () => {
    const warning = agentTrustWarning(undefined);
    expect(warning).toContain('anyone who may create a DistExec anywhere');
    expect(warning).toContain('set --watch-namespace');
    expect(warning).toContain('use Job mode');
  });

  it('names the watched namespace as the trust domain, and where to bind the rights', () => {
    const warning = agentTrustWarning('team-a');
    expect(warning).toContain('anyone who may create a DistExec in namespace team-a');
    expect(warning).toContain('bind the DistExec rights in team-a only');
  });
});
