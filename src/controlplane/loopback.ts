/** Whether a bind address stays on this machine: `localhost`, 127.0.0.0/8, `::1` or an
 * IPv4-mapped 127.x address. */
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  const v4 = h.toLowerCase().startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  return isIP(h) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(h);
}
