/**
 * The sockets a sidecar binds, so that no two of them collide and no listener is its own
 * forwarding target (issue 11 #3). In `explicit` mode a sidecar shares its network namespace with
 * the application, so collisions are decided here and refused with a diagnostic (WEFT4113)
 * rather than left for Envoy to fail a bind or forward a connection back into itself.
 */
import { ADMIN_PORT, INBOUND_PORT, STATS_PORT, VIRTUAL_OUTBOUND_PORT } from './names.js';

export interface IrSocket { readonly address: string; readonly port: number }

const WILDCARDS: readonly string[] = ['0.0.0.0', '::'];

/** Two sockets that cannot both be bound: same port, and the same address or a wildcard. */
export function sameSocket(a: IrSocket, b: IrSocket): boolean {
  return a.port === b.port && (a.address === b.address || WILDCARDS.includes(a.address) || WILDCARDS.includes(b.address));
}

const EXPLICIT_FIXED: readonly IrSocket[] = Object.freeze([{ address: '127.0.0.1', port: ADMIN_PORT }, { address: '0.0.0.0', port: STATS_PORT }]);
const IPTABLES_FIXED: readonly IrSocket[] = Object.freeze([...EXPLICIT_FIXED,
  { address: '0.0.0.0', port: VIRTUAL_OUTBOUND_PORT }, { address: '0.0.0.0', port: INBOUND_PORT }]);

/** Sockets every sidecar holds whatever it serves: the bootstrap's admin interface, the stats
 * listener and, with iptables, the two redirect targets. Shared frozen lists. */
export function fixedSockets(interception: 'iptables' | 'explicit'): readonly IrSocket[] {
  return interception === 'iptables' ? IPTABLES_FIXED : EXPLICIT_FIXED;
}

/** 127.0.0.0/8 or ::1: only processes on the same host can connect. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(address);
}

export function formatSocket(s: IrSocket): string {
  return s.address.includes(':') ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
}
