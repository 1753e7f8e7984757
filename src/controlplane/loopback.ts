/**
 * Whether a host or bind address stays on this machine: `localhost`, 127.0.0.0/8 and ::1, and
 * 127.0.0.0/8 mapped into IPv6 (written `::ffff:127.0.0.1` or, as URLs normalise it,
 * `::ffff:7f00:1`). Brackets are ignored. Shared by the xDS plaintext bind and the admin API.
 */
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(h);
  return false;
}
