/**
 * `weft bootstrap`: writes a proxy's bootstrap (Envoy or gRPC) and its bootstrap client
 * certificate, issued by the CA in the state directory (run it where `weft serve` keeps its CA,
 * or point --state-dir at a copy).
 */
import { Command } from 'commander';
import path from 'node:path';
import { CertificateAuthority, formatCaError, formatSpiffeId, workloadId } from '../ca/index.js';
import { ENVOY_SIDECAR_FLAGS, bootstrapConfig, controlPlaneIdentity, writeBootstrap } from '../controlplane/index.js';
import { CliError, UsageError } from './errors.js';
import { csv, durationOption } from './options.js';

interface BootstrapFlags {
  nodeId: string;
  namespace: string;
  serviceAccount: string;
  format: string;
  out: string;
  xdsAddress?: string;
  delta?: boolean;
  interception: string;
  instanceIps: string[];
  services: string[];
  labels: string[];
  inboundForward: string;
  outboundAddress: string;
  stateDir: string;
  caCert?: string;
  caKey?: string;
  caChain?: string;
  trustDomain: string;
  ttl: number;
  stats: string;
  metricsSink: boolean;
  region?: string;
  zone?: string;
  kind: string;
  gateway?: string;
}

export function bootstrapCommand(): Command {
  return new Command('bootstrap')
    .description('write an Envoy or gRPC bootstrap and its client certificate for one proxy')
    .requiredOption('--node-id <id>', 'unique proxy id (pod or VM instance name)')
    .requiredOption('--namespace <ns>', 'namespace of the workload')
    .requiredOption('--service-account <sa>', 'service account of the workload (its identity)')
    .requiredOption('--out <dir>', 'directory to write into (created 0700)')
    .option('--format <envoy|grpc>', 'bootstrap flavour', 'envoy')
    .option('--kind <sidecar|gateway>', 'sidecar (a workload\'s proxy) or gateway (an ingress gateway Envoy of --gateway)', 'sidecar')
    .option('--gateway <ns/name>', 'with --kind gateway: the Gateway this proxy is (its identity must be --namespace ns and the Gateway\'s service account)')
    .option('--xds-address <host:port>', 'where the proxy reaches weft (default 127.0.0.1:18000 for envoy, 127.0.0.1:18002 for grpc)')
    .option('--delta', 'Envoy: use incremental (delta) ADS')
    .option('--interception <mode>', 'explicit (listeners on 127.0.0.1) or iptables', 'explicit')
    .option('--instance-ips <list>', 'workload IPs (comma-separated)', csv, [])
    .option('--services <list>', 'narrow the services this workload serves (weft derives them from the registry: its identity and --instance-ips)', csv, [])
    .option('--labels <list>', 'workload labels k=v,k2=v2', csv, [])
    .option('--inbound-forward <to>', 'Envoy: forward inbound traffic to the instance IP (instance-ip) or to 127.0.0.1 (loopback)', 'instance-ip')
    .option('--outbound-address <addr>', 'Envoy, explicit mode: loopback address outbound listeners bind (one per sidecar sharing a network namespace)', '127.0.0.6')
    .option('--region <region>', 'node.locality region: where the proxy runs, for locality-aware load balancing (the registry\'s locality of its own endpoint wins)')
    .option('--zone <zone>', 'node.locality zone (see --region)')
    .option('--stats <golden|all>', 'Envoy: create only the golden metrics and health stats (docs/metrics.md), or all of Envoy\'s stats', 'golden')
    .option('--no-metrics-sink', 'Envoy: do not stream stats to weft (the service map then shows routes but no traffic)')
    .option('--state-dir <dir>', "weft serve's state directory (its CA)", '.weft')
    .option('--ca-cert <file>', 'sign with this operator CA (root or intermediate) instead of the state directory CA')
    .option('--ca-key <file>', 'private key of --ca-cert')
    .option('--ca-chain <file>', 'chain from --ca-cert up to the root')
    .option('--trust-domain <domain>', 'trust domain of the CA', 'cluster.local')
    .addOption(durationOption('--ttl <duration>', 'bootstrap certificate lifetime (at most 10 years)', '8760h', 3650 * 86_400_000))
    .action(async (f: BootstrapFlags) => {
      if (f.format !== 'envoy' && f.format !== 'grpc') throw new UsageError(`--format must be envoy or grpc, not "${f.format}"`);
      if (f.interception !== 'explicit' && f.interception !== 'iptables') throw new UsageError(`--interception must be explicit or iptables`);
      if (f.stats !== 'golden' && f.stats !== 'all') throw new UsageError(`--stats must be golden or all, not "${f.stats}"`);
      if (f.inboundForward !== 'instance-ip' && f.inboundForward !== 'loopback') throw new UsageError('--inbound-forward must be instance-ip or loopback');
      for (const [flag, v] of [['--region', f.region], ['--zone', f.zone]] as const) {
        if (v !== undefined && (v === '' || /[\u0000-\u001f\u007f]/.test(v))) throw new UsageError(`${flag} must be a non-empty name without control characters`);
      }
      checkKind(f);
      if (f.services.length > 0 && f.instanceIps.length === 0) {
        throw new UsageError('--services needs --instance-ips: weft serves a workload only services run by its identity with an endpoint at one of its IPs');
      }
      const id = workloadId(f.trustDomain, f.namespace, f.serviceAccount);
      if (!id.ok) throw new UsageError(`--namespace/--service-account do not form a SPIFFE ID: ${id.error.message}`);
      const ca = await openCa(f);
      const issued = ca.issueBootstrapCert({ spiffeId: formatSpiffeId(id.id), ttlMs: f.ttl });
      if (!issued.ok) throw new CliError(`the CA refused: ${issued.error.message}`);
      const format = f.format;
      const config = bootstrapConfig({
        format, nodeId: f.nodeId, namespace: f.namespace, serviceAccount: f.serviceAccount, trustDomain: f.trustDomain,
        xdsAddress: f.xdsAddress ?? (format === 'envoy' ? '127.0.0.1:18000' : '127.0.0.1:18002'), delta: !!f.delta,
        interception: f.interception, instanceIps: f.instanceIps, services: f.services, labels: parseLabels(f.labels),
        // Defaults stay out of the metadata (weft applies them), so bootstraps do not change.
        ...(f.inboundForward === 'loopback' ? { inboundForward: 'loopback' as const } : {}),
        ...(f.outboundAddress !== '127.0.0.6' ? { outboundAddress: f.outboundAddress } : {}),
        certDir: path.resolve(f.out), controlPlaneIdentity: controlPlaneIdentity(f.trustDomain),
        ...(f.stats === 'all' ? { stats: 'all' as const } : {}),
        ...(f.metricsSink === false ? { metricsSink: false } : {}),
        ...(f.kind === 'gateway' ? { gateway: f.gateway! } : {}),
        ...(f.region || f.zone ? { locality: { ...(f.region ? { region: f.region } : {}), ...(f.zone ? { zone: f.zone } : {}) } } : {}),
      });
      const files = await writeBootstrap(path.resolve(f.out), config, format, {
        certPem: issued.svid.certPem + issued.svid.chainPem, keyPem: issued.svid.keyPem, caPem: ca.trustBundle().pems.join(''),
      });
      process.stdout.write(`wrote ${files.join(', ')}\n${format === 'envoy' ? `run: envoy -c ${files[0]} ${ENVOY_SIDECAR_FLAGS.join(' ')}` : `run your gRPC client with GRPC_XDS_BOOTSTRAP=${files[0]}`}\n`);
    });
}

/** A gateway is an Envoy of one Gateway in its own namespace, with no workload behind it. */
function checkKind(f: BootstrapFlags): void {
  if (f.kind !== 'sidecar' && f.kind !== 'gateway') throw new UsageError(`--kind must be sidecar or gateway, not "${f.kind}"`);
  if (f.kind === 'sidecar') {
    if (f.gateway !== undefined) throw new UsageError('--gateway needs --kind gateway');
    return;
  }
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.exec(f.gateway ?? '');
  if (!m) throw new UsageError('--kind gateway needs --gateway NAMESPACE/NAME, the Gateway this proxy serves');
  if (m[1] !== f.namespace) throw new UsageError(`--gateway ${f.gateway} is in namespace ${m[1]}; the gateway proxy's identity must be of that namespace (--namespace ${m[1]})`);
  if (f.format !== 'envoy') throw new UsageError('--kind gateway is an Envoy proxy (--format envoy)');
  if (f.interception !== 'explicit' || f.services.length > 0) throw new UsageError('--kind gateway takes no --interception iptables or --services: a gateway fronts no workload');
}

async function openCa(f: BootstrapFlags): Promise<CertificateAuthority> {
  if ((f.caCert === undefined) !== (f.caKey === undefined)) throw new UsageError('--ca-cert and --ca-key go together');
  const opts = { trustDomain: f.trustDomain };
  const opened = f.caCert
    ? await CertificateAuthority.fromFiles({ certFile: f.caCert, keyFile: f.caKey!, chainFile: f.caChain }, opts)
    : await CertificateAuthority.open(path.join(f.stateDir, 'ca'), opts);
  if (!opened.ok) throw new CliError(`cannot open the CA ${f.caCert ?? `in ${f.stateDir}`}: ${formatCaError(opened.error)}`);
  return opened.value;
}

function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--labels entry "${item}" is not key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}
