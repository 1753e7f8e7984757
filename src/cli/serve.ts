/**
 * `weft serve`: runs the control plane until SIGINT/SIGTERM. `--example` serves the bundled
 * bookinfo example with a state directory under `.weft/` (what `npm start` runs).
 */
import { Command } from 'commander';
import { hostname } from 'node:os';
import path from 'node:path';
import { DEFAULT_MAX_MESSAGE_BYTES, StartError, consoleLogger } from '../controlplane/index.js';
import { CliError, UsageError } from './errors.js';
import { bytesOption, csv, durationOption, port } from './options.js';
import { packageRoot } from './package-root.js';
import { replicaFlags, replicaOptions, type ReplicaFlags } from './replica-options.js';
import { startWeft, type RunningWeft, type WeftConfig } from './run.js';

export const EXAMPLE = {
  policy: path.join(packageRoot, 'examples', 'bookinfo', 'policy'),
  registry: path.join(packageRoot, 'examples', 'bookinfo', 'registry.yaml'),
};

interface ServeFlags extends ReplicaFlags {
  example?: boolean;
  policy?: string;
  policyRef?: string;
  registry?: string;
  kubernetes?: boolean;
  kubeconfig?: string;
  namespaces?: string[];
  stateDir: string;
  gatewayCerts?: string;
  trustDomain?: string;
  caCert?: string;
  caKey?: string;
  caChain?: string;
  xdsHost: string;
  xdsPort: number;
  insecureXds?: boolean;
  insecureXdsPort: number;
  insecureXdsHost: string;
  adminHost: string;
  adminPort: number;
  adminToken?: string;
  svidTtl: number;
  maxMessageSize: number;
  debounce: number;
  maxDebounce: number;
  quiet?: boolean;
  tokenExchangePort?: number;
  tokenExchangeHost: string;
  tokenAudience: string;
  bootstrapTtl: number;
}

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .description('run the control plane: xDS (mTLS) on :18000, admin API and /metrics on 127.0.0.1:18001')
    .option('--example', 'serve the bundled bookinfo example (policy and static registry)')
    .option('--policy <dir>', 'policy directory (YAML, watched)')
    .option('--policy-ref <ref>', 'load policy from the commit this git ref names (e.g. HEAD), never the work tree; polled every 2 s')
    .option('--registry <file>', 'static registry file (YAML, watched)')
    .option('--kubernetes', 'discover services from Kubernetes (kubeconfig or in-cluster)')
    .option('--kubeconfig <file>', 'kubeconfig for --kubernetes (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--namespaces <list>', 'watch only these namespaces (comma-separated)', csv)
    .option('--state-dir <dir>', 'where the development CA lives', '.weft')
    .option('--trust-domain <domain>', "trust domain (default: the Mesh policy's, else cluster.local)")
    .option('--gateway-certs <dir>', 'ingress gateway CertificateFiles: <dir>/<namespace>/<name>/tls.crt and tls.key (docs/gateway-api.md)')
    .option('--ca-cert <file>', 'operator CA certificate (root or intermediate) instead of the development CA')
    .option('--ca-key <file>', 'private key of --ca-cert')
    .option('--ca-chain <file>', 'chain from --ca-cert up to the root')
    .option('--xds-host <host>', 'xDS bind address', '0.0.0.0')
    .option('--xds-port <port>', 'xDS port (mTLS)', port('--xds-port'), 18000)
    .option('--insecure-xds', 'also open a plaintext xDS port (development, proxyless gRPC); never serves private keys')
    .option('--insecure-xds-port <port>', 'plaintext xDS port', port('--insecure-xds-port'), 18002)
    .option('--insecure-xds-host <host>', 'plaintext xDS bind address (a non-loopback address exposes every identity\'s configuration to the network)', '127.0.0.1')
    .option('--admin-host <host>', 'admin API bind address (non-loopback needs --admin-token)', '127.0.0.1')
    .option('--admin-port <port>', 'admin API port', port('--admin-port'), 18001)
    .option('--admin-token <token>', 'bearer token for the admin API (or WEFT_ADMIN_TOKEN)', process.env.WEFT_ADMIN_TOKEN)
    .addOption(durationOption('--svid-ttl <duration>', 'workload certificate lifetime', '24h'))
    .addOption(bytesOption('--max-message-size <bytes>', 'largest xDS message received; larger EDS/RDS/SDS/delta responses are split', DEFAULT_MAX_MESSAGE_BYTES))
    .addOption(durationOption('--debounce <duration>', 'quiet period before applying changes', '100ms'))
    .addOption(durationOption('--max-debounce <duration>', 'longest a change waits', '10s'))
    .option('--quiet', 'log warnings and errors only')
    .option('--token-exchange-port <port>', "serve bootstrap certificates for pods' ServiceAccount tokens on this port (HTTPS; needs --kubernetes)", port('--token-exchange-port'))
    .option('--token-exchange-host <host>', 'token exchange bind address', '0.0.0.0')
    .option('--token-audience <aud>', 'audience the ServiceAccount tokens must carry', 'weft')
    .addOption(durationOption('--bootstrap-ttl <duration>', 'lifetime of bootstrap certificates from the token exchange', '24h'));
  for (const o of replicaOptions(process.env.POD_NAME ?? hostname())) cmd.addOption(o);
  return cmd.action(async (flags: ServeFlags) => {
      const log = consoleLogger(undefined, flags.quiet);
      const config = toConfig(flags, log);
      let weft: RunningWeft;
      try {
        weft = await startWeft(config);
      } catch (err) {
        if (err instanceof StartError) throw new CliError(err.message);
        throw err;
      }
      printNextSteps(weft, config);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info('shutting down');
      await weft.close();
    });
}

function toConfig(f: ServeFlags, log: ReturnType<typeof consoleLogger>): WeftConfig {
  const policyDir = f.policy ?? (f.example ? EXAMPLE.policy : undefined);
  if (!policyDir) throw new UsageError('serve needs --policy DIR (or --example to run the bundled example)');
  const registryFile = f.registry ?? (f.example && !f.kubernetes ? EXAMPLE.registry : undefined);
  if (!f.kubernetes && !registryFile) throw new UsageError('serve needs --registry FILE or --kubernetes');
  if ((f.caCert === undefined) !== (f.caKey === undefined)) throw new UsageError('--ca-cert and --ca-key go together');
  const replicas = replicaFlags(f);
  return {
    ...(replicas && { replicas }),
    policyDir: path.resolve(policyDir),
    policyRef: f.policyRef,
    registry: f.kubernetes ? { kind: 'kubernetes', kubeconfig: f.kubeconfig, namespaces: f.namespaces } : { kind: 'static', file: path.resolve(registryFile!) },
    stateDir: path.resolve(f.stateDir),
    ...(f.gatewayCerts !== undefined && { gatewayCerts: path.resolve(f.gatewayCerts) }),
    trustDomain: f.trustDomain,
    caFiles: f.caCert ? { certFile: f.caCert, keyFile: f.caKey!, chainFile: f.caChain } : undefined,
    xds: { host: f.xdsHost, port: f.xdsPort, insecurePort: f.insecureXds ? f.insecureXdsPort : undefined, insecureHost: f.insecureXdsHost, maxMessageBytes: f.maxMessageSize },
    admin: { host: f.adminHost, port: f.adminPort, token: f.adminToken },
    svidTtlMs: f.svidTtl,
    ...(f.tokenExchangePort !== undefined ? { tokenExchange: { host: f.tokenExchangeHost, port: f.tokenExchangePort, audience: f.tokenAudience, ttlMs: f.bootstrapTtl } } : {}),
    debounce: { quietMs: f.debounce, maxMs: f.maxDebounce },
    log,
  };
}

function printNextSteps({ cp, admin }: RunningWeft, c: WeftConfig): void {
  const insecure = cp.insecure ? `\n  plaintext xDS   ${c.xds.insecureHost ?? '127.0.0.1'}:${cp.insecure.port}  (development only)` : '';
  process.stdout.write(`
weft is serving ${c.policyDir}
  xDS (mTLS)      ${c.xds.host}:${cp.xdsPort}${insecure}
  admin API       ${admin.url}   (OpenAPI: ${admin.url}/openapi.json, metrics: ${admin.url}/metrics)
  CA              ${c.caFiles ? c.caFiles.certFile : path.join(c.stateDir, 'ca')}

Next (in another terminal; \`npm run weft --\` runs the CLI from this checkout):
  npm run weft -- status                        # proxies and their sync state
  npm run weft -- bootstrap --node-id reviews-v1 --namespace default --service-account reviews \\
      --format envoy --out ./reviews-v1         # then the envoy command it prints
  npm run weft -- bootstrap --node-id client-1 --namespace default --service-account productpage \\
      --format grpc --xds-address 127.0.0.1:18002 --out ./client-1   # proxyless gRPC (needs --insecure-xds)
  edit ${c.policyDir} and watch weft apply it; Ctrl-C to stop.

`);
}
