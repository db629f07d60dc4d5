import { sha256Hex } from './hash.js';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Names of Secrets, ConfigMaps and most other objects. */
export function isDns1123Subdomain(name: string): boolean {
  return name.length <= 253 && dns1123Subdomain.test(name);
}

/** Names of volumes, containers, ports and namespaces. */
export function isDns1123Label(name: string): boolean {
  return name.length <= 63 && dns1123Label.test(name);
}

/**
 * A DNS-1123 label made from `name`: unchanged when already valid, otherwise other characters
 * become dashes, the result is cut short and a hash of the original is appended, so distinct
 * inputs stay distinct ("a.b" never collides with "a-b") and the same input always gives the
 * same label.
 */
export function toDns1123Label(name: string): string {
  if (isDns1123Label(name)) return name;
  const hash = sha256Hex(name).slice(0, 10);
  const head = name
    .toLowerCase()
    .replace(/[^-a-z0-9]/g, '-')
    .slice(0, 63 - hash.length - 1)
    .replace(/^-+|-+$/g, '');
  return head ? `${head}-${hash}` : hash;
}
