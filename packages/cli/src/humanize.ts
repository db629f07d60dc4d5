import { storedTime } from './stored-text.js';

/**
 * How long ago or how long, the way kubectl prints ages (k8s.io/apimachinery's HumanDuration),
 * so a column reads the same in `kubectl get` and here: seconds up to two minutes, then minutes
 * and seconds, hours, days, years, losing precision as the span grows.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (days < 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** The age of something created at `timestamp` (RFC 3339), or `<unknown>`. */
export function age(timestamp: unknown, now: Date): string {
  const at = storedTime(timestamp);
  return at === undefined ? '<unknown>' : humanDuration(now.getTime() - at);
}
