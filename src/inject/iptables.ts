/**
 * The iptables rules `weft inject` puts in a pod's init container: every inbound TCP connection
 * goes to Envoy's inbound listener (15006), every outbound one to the virtual outbound listener
 * (15001), except the proxy's own traffic and the ports listed as exclusions.
 *
 * The rules are one `iptables-restore --noflush` input for the `nat` table: weft's chains are
 * created (or, when they exist, flushed and refilled) in one commit, and the rest of the table is
 * left alone, because a pod's network namespace may hold other NAT rules (Docker's embedded DNS
 * at 127.0.0.11 lives there; so do the rules of some CNIs). The jumps from PREROUTING and OUTPUT
 * are deleted first, so re-running the script (a pod sandbox restart) leaves one of each. Only
 * IPv4 is redirected; IPv6 traffic bypasses the proxy (documented in docs/deploy.md).
 *
 * Why these exclusions:
 * - UID 1337 is the proxy's user: without the exception Envoy's own upstream connections would be
 *   redirected back into Envoy, a loop.
 * - 127.0.0.1: the inbound listener forwards to the application on loopback; redirecting that
 *   would loop too.
 * - the control plane's xDS and admin ports: Envoy reaches them as UID 1337 already; excluding the
 *   ports as well lets the application (or an operator shell in the pod) reach weft without the
 *   mesh, which is what a control plane connection must never depend on.
 * - inbound 15090 and 15020: Prometheus and the kubelet's proxy probes reach the stats listener,
 *   and the kubelet's rewritten application probes the probe listener, directly (plaintext).
 */
import { names } from '../translate/index.js';

const { INBOUND_PORT, PROBE_PORT, STATS_PORT, VIRTUAL_OUTBOUND_PORT } = names;

/** The proxy's user and group id; the sidecar container runs as it. */
export const PROXY_UID = 1337;

export interface RedirectOptions {
  /** Inbound ports that reach the application directly (besides 15090). */
  readonly excludeInboundPorts: readonly number[];
  /** Outbound destination ports that bypass the proxy (besides the control plane's). */
  readonly excludeOutboundPorts: readonly number[];
}

const sorted = (ports: readonly number[]) => [...new Set(ports)].sort((a, b) => a - b);

/** The `iptables-restore` input (nat table only), ending in `COMMIT`. Deterministic. */
export function iptablesRules(o: RedirectOptions): string {
  const inboundSkip = sorted([PROBE_PORT, STATS_PORT, ...o.excludeInboundPorts]);
  const outboundSkip = sorted(o.excludeOutboundPorts);
  return [
    '*nat',
    ':WEFT_INBOUND - [0:0]',
    ':WEFT_IN_REDIRECT - [0:0]',
    ':WEFT_OUTPUT - [0:0]',
    ':WEFT_REDIRECT - [0:0]',
    ...JUMPS.map((j) => `-A ${j}`),
    ...inboundSkip.map((p) => `-A WEFT_INBOUND -p tcp --dport ${p} -j RETURN`),
    '-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT',
    `-A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports ${INBOUND_PORT}`,
    `-A WEFT_OUTPUT -m owner --uid-owner ${PROXY_UID} -j RETURN`,
    `-A WEFT_OUTPUT -m owner --gid-owner ${PROXY_UID} -j RETURN`,
    '-A WEFT_OUTPUT -d 127.0.0.1/32 -j RETURN',
    ...outboundSkip.map((p) => `-A WEFT_OUTPUT -p tcp --dport ${p} -j RETURN`),
    '-A WEFT_OUTPUT -j WEFT_REDIRECT',
    `-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports ${VIRTUAL_OUTBOUND_PORT}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** The jumps into weft's chains, as `iptables` arguments after `-t nat -A|-D`. */
const JUMPS = ['PREROUTING -p tcp -j WEFT_INBOUND', 'OUTPUT -p tcp -j WEFT_OUTPUT'];

/** Shell lines that remove earlier jumps (if any) and load the rules; `set -e` included. */
export function iptablesApply(o: RedirectOptions): string {
  const deletes = JUMPS.map((j) => `iptables -t nat -D ${j} 2>/dev/null || true\n`).join('');
  return `set -e\n${deletes}iptables-restore --noflush <<'EOF'\n${iptablesRules(o)}EOF\n`;
}

/** The init container's shell script: apply the rules, then print the nat table to the log. */
export function iptablesScript(o: RedirectOptions): string {
  return `${iptablesApply(o)}iptables-save -t nat\n`;
}
