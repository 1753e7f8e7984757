/**
 * The iptables rules `weft inject` puts in a pod's init container: every inbound TCP connection
 * goes to Envoy's inbound listener (15006), every outbound one to the virtual outbound listener
 * (15001), except the proxy's own traffic and the ports listed as exclusions.
 *
 * The rules are one `iptables-restore` input for the `nat` table. iptables-restore replaces the
 * table in one commit, so re-running the init container (a pod sandbox restart) gives the same
 * table instead of duplicated rules. Only IPv4 is redirected; IPv6 traffic bypasses the proxy
 * (documented in docs/deploy.md).
 *
 * Why these exclusions:
 * - UID 1337 is the proxy's user: without the exception Envoy's own upstream connections would be
 *   redirected back into Envoy, a loop.
 * - 127.0.0.1: the inbound listener forwards to the application on loopback; redirecting that
 *   would loop too.
 * - the control plane's xDS and admin ports: Envoy reaches them as UID 1337 already; excluding the
 *   ports as well lets the application (or an operator shell in the pod) reach weft without the
 *   mesh, which is what a control plane connection must never depend on.
 * - inbound 15090: Prometheus and the kubelet's readiness probe reach the stats listener directly.
 */
import { names } from '../translate/index.js';

const { INBOUND_PORT, STATS_PORT, VIRTUAL_OUTBOUND_PORT } = names;

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
  const inboundSkip = sorted([STATS_PORT, ...o.excludeInboundPorts]);
  const outboundSkip = sorted(o.excludeOutboundPorts);
  return [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':WEFT_INBOUND - [0:0]',
    ':WEFT_IN_REDIRECT - [0:0]',
    ':WEFT_OUTPUT - [0:0]',
    ':WEFT_REDIRECT - [0:0]',
    '-A PREROUTING -p tcp -j WEFT_INBOUND',
    '-A OUTPUT -p tcp -j WEFT_OUTPUT',
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

/** The init container's shell script: apply the rules, then print the nat table to the log. */
export function iptablesScript(o: RedirectOptions): string {
  return `set -e\niptables-restore <<'EOF'\n${iptablesRules(o)}EOF\niptables-save -t nat\n`;
}
