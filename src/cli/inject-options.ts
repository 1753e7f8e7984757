/**
 * The options that shape an injected pod, shared by `weft inject` (manifests) and `weft webhook`
 * (admission), so both inject the same way from the same flags.
 */
import type { Command } from 'commander';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OPTIONS, type InjectOptions } from '../inject/index.js';
import { UsageError } from './errors.js';
import { csv, port } from './options.js';

export interface InjectFlags {
  xdsAddress: string;
  image: string;
  initImage: string;
  trustDomain: string;
  namespace: string;
  adminPort: number;
  excludeInboundPorts: string[];
  excludeOutboundPorts: string[];
  logLevel: string;
  sidecarMode: string;
  rewriteProbes: boolean;
  identity: string;
  caBundle?: string;
  exchangeAddress: string;
  tokenAudience: string;
}

/** Adds the injection flags to `cmd` (defaults from `DEFAULT_OPTIONS`). */
export function addInjectOptions(cmd: Command): Command {
  const d = DEFAULT_OPTIONS;
  return cmd
    .option('--xds-address <host:port>', "weft's xDS address as pods see it", d.xdsAddress)
    .option('--image <image>', 'Envoy image of the sidecar', d.image)
    .option('--init-image <image>', 'image with iptables-restore for the init container (the weft image has it)', d.initImage)
    .option('--trust-domain <domain>', 'trust domain of the mesh', d.trustDomain)
    .option('--namespace <ns>', 'namespace for documents that name none', d.namespace)
    .option('--admin-port <port>', "weft's admin port (excluded from redirection like the xDS port)", port('--admin-port'), d.adminPort)
    .option('--exclude-inbound-ports <list>', 'inbound ports that reach the application directly (e.g. probe ports)', csv, [])
    .option('--exclude-outbound-ports <list>', 'destination ports that bypass the sidecar', csv, [])
    .option('--log-level <level>', 'Envoy log level', d.logLevel)
    .option('--sidecar-mode <mode>', 'native (an init container with restartPolicy: Always, Kubernetes >= 1.29) or container (the layout before native sidecars)', d.sidecarMode)
    .option('--no-rewrite-probes', 'leave application HTTP probes on their ports (they fail under mtls: strict unless excluded)')
    .option('--identity <how>', "token: exchange the pod's ServiceAccount token for its bootstrap certificate (weft agent); secret: mount the operator-made Secret weft-bootstrap-<sa>", d.identity)
    .option('--ca-bundle <path>', "the mesh CA's roots pods check weft against (PEM), needed by --identity token: a file, or a directory whose *.crt files are read together (the weft-ca Secret's tls.crt, ca-next.crt and ca-prev.crt: every root of a rotation)")
    .option('--exchange-address <host:port>', "weft's token exchange as pods see it", d.exchangeAddress)
    .option('--token-audience <aud>', 'audience of the projected ServiceAccount token', d.tokenAudience);
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * The trust bundle `--ca-bundle` names: the file's text, or for a directory its `*.crt` files'
 * certificates in name order, each certificate once. A directory is how a rotation reaches new
 * pods: the weft-ca Secret holds the signing root as `tls.crt` and, while a rotation runs, the
 * next or previous one as `ca-next.crt` / `ca-prev.crt`; mounted with every key optional, the
 * directory always holds exactly the roots of the current phase. `UsageError` names the path.
 */
export function readCaBundle(path: string): string {
  let text: string;
  try {
    text = statSync(path).isDirectory()
      ? [...new Set(readdirSync(path).filter((n) => n.endsWith('.crt')).sort().flatMap((n) => readFileSync(join(path, n), 'utf8').match(PEM_CERTIFICATE) ?? []))].map((c) => `${c}\n`).join('')
      : readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--ca-bundle ${path}: ${(err as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-bundle ${path} holds no PEM certificate`);
  return text;
}

function portList(flag: string, items: string[]): number[] {
  const parse = port(flag);
  return items.map((v) => parse(v));
}

/** Checks and converts the flags; `UsageError` names the flag. */
export function toInjectOptions(f: InjectFlags): InjectOptions {
  if (!/^[^\s:]+:\d+$/.test(f.xdsAddress) && !/^\[[^\]]+\]:\d+$/.test(f.xdsAddress)) {
    throw new UsageError(`--xds-address "${f.xdsAddress}" is not host:port (example: weft.weft-system.svc:18000)`);
  }
  if (f.sidecarMode !== 'native' && f.sidecarMode !== 'container') throw new UsageError(`--sidecar-mode must be native or container, not "${f.sidecarMode}"`);
  if (f.identity !== 'token' && f.identity !== 'secret') throw new UsageError(`--identity must be token or secret, not "${f.identity}"`);
  if (f.identity === 'token' && !f.caBundle) throw new UsageError('--identity token (the default) needs --ca-bundle PATH: the mesh CA certificate pods check weft against (or pass --identity secret)');
  return {
    sidecarMode: f.sidecarMode, rewriteProbes: f.rewriteProbes, identity: f.identity, exchangeAddress: f.exchangeAddress, tokenAudience: f.tokenAudience,
    ...(f.caBundle ? { caBundle: readCaBundle(f.caBundle) } : {}),
    xdsAddress: f.xdsAddress, image: f.image, initImage: f.initImage, trustDomain: f.trustDomain, namespace: f.namespace,
    adminPort: f.adminPort, logLevel: f.logLevel,
    excludeInboundPorts: portList('--exclude-inbound-ports', f.excludeInboundPorts),
    excludeOutboundPorts: portList('--exclude-outbound-ports', f.excludeOutboundPorts),
  };
}
