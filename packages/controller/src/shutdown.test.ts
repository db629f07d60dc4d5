import { describe, expect, it } from 'vitest';
import { shutdownSignal } from './shutdown.js';

describe('shutdownSignal', () => {
  it('aborts on the first signal and then leaves the signals to their default handling', () => {
    const before = process.listenerCount('SIGUSR2');
    const signal = shutdownSignal({ signals: ['SIGUSR2'] });
    expect(signal.aborted).toBe(false);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(signal.aborted).toBe(true);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });
});
