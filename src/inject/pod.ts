/**
 * What `weft inject` adds to a pod spec, as plain JSON-ready objects: the Envoy sidecar, the
 * iptables init container, their volumes and the bootstrap annotation. Pure: options in, objects
 * out; the YAML editing lives in manifest.ts.
 *
 * How a static manifest gets a per-pod bootstrap: the bootstrap JSON (from `bootstrapConfig`,
 * interception `iptables`) is stored in a pod-template annotation and projected into the sidecar as
 * a file by a downwardAPI volume. Envoy does not expand environment variables inside its bootstrap,
 * so the per-pod values (node id, namespace, IP) are passed on the command line with
 * `--config-yaml`, which Envoy merges over the file (proto merge: `node.id` replaced, metadata keys
 * added or overwritten); Kubernetes expands `$(POD_NAME)`-style references in `args` from the
 * container's downward-API environment. No agent and no extra ConfigMap are needed.
 */
import { ENVOY_SIDECAR_FLAGS, bootstrapConfig, controlPlaneIdentity, type AppProbe } from '../controlplane/index.js';
import { names } from '../translate/index.js';
import { PROXY_UID, iptablesScript } from './iptables.js';

export const SIDECAR_NAME = 'weft-proxy';
export const INIT_NAME = 'weft-init';
export const BOOTSTRAP_VOLUME = 'weft-bootstrap';
export const CERTS_VOLUME = 'weft-certs';
export const TOKEN_VOLUME = 'weft-token';
export const AGENT_NAME = 'weft-agent';
/** The mesh trust bundle `weft agent` checks the token exchange against (token identity). */
export const CA_BUNDLE_ANNOTATION = 'weft.io/ca-bundle';
export const TOKEN_DIR = '/var/run/secrets/weft';
export const BOOTSTRAP_ANNOTATION = 'weft.io/envoy-bootstrap';
/** Pods (or pod templates) annotated `weft.io/inject: "false"` are left alone. */
export const INJECT_ANNOTATION = 'weft.io/inject';
export const BOOTSTRAP_DIR = '/etc/weft/bootstrap';
export const CERTS_DIR = '/etc/weft/certs';
/** Ports the sidecar owns inside the pod; an application container must not use them. */
export const RESERVED_PORTS: readonly number[] = [names.ADMIN_PORT, names.VIRTUAL_OUTBOUND_PORT, names.INBOUND_PORT, names.PROBE_PORT, names.STATS_PORT];

export interface InjectOptions {
  readonly xdsAddress: string;
  readonly image: string;
  readonly initImage: string;
  readonly trustDomain: string;
  /** Namespace used for documents that name none (the runtime value comes from the pod). */
  readonly namespace: string;
  /** The weft admin port, excluded from outbound redirection like the xDS port. */
  readonly adminPort: number;
  readonly excludeInboundPorts: readonly number[];
  readonly excludeOutboundPorts: readonly number[];
  readonly logLevel: string;
  /**
   * `native` (default): the proxy is an init container with `restartPolicy: Always` (a Kubernetes
   * >= 1.29 sidecar), started after the iptables init container and before every other container,
   * which the kubelet starts only once its startup probe passes; it stops after them, so Jobs
   * complete. `container`: the layout before native sidecars (a regular container).
   */
  readonly sidecarMode: 'native' | 'container';
  /** Rewrite application HTTP probes to the sidecar's probe listener (probes.ts). */
  readonly rewriteProbes: boolean;
  /**
   * `token` (default): the pod's projected ServiceAccount token is exchanged at start for a
   * short-lived bootstrap certificate (`weft agent`); `secret`: the certificate comes from the
   * Secret `weft-bootstrap-<serviceaccount>` made by the operator (the layout before tokens).
   */
  readonly identity: 'token' | 'secret';
  /** Token identity: the mesh trust bundle (PEM) put in the pod; required in that mode. */
  readonly caBundle?: string;
  /** Token identity: weft's token exchange as pods see it. */
  readonly exchangeAddress: string;
  readonly tokenAudience: string;
}

export const DEFAULT_OPTIONS: InjectOptions = Object.freeze({
  xdsAddress: 'weft.weft-system.svc:18000',
  image: 'envoyproxy/envoy:v1.31-latest',
  initImage: 'weft:0.1.0',
  trustDomain: 'cluster.local',
  namespace: 'default',
  adminPort: 18001,
  excludeInboundPorts: [],
  excludeOutboundPorts: [],
  logLevel: 'warn',
  sidecarMode: 'native',
  rewriteProbes: true,
  identity: 'token',
  exchangeAddress: 'weft.weft-system.svc:18003',
  tokenAudience: 'weft',
});

/** The Secret holding a service account's bootstrap certificate (cert.pem, key.pem, ca.pem). */
export const certSecretName = (serviceAccount: string) => `weft-bootstrap-${serviceAccount}`;

export interface PodFacts {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The bootstrap JSON stored in the annotation (pretty-printed, so diffs of it stay readable). */
export function bootstrapText(o: InjectOptions, pod: PodFacts, appProbes: readonly AppProbe[]): string {
  const config = bootstrapConfig({
    format: 'envoy', nodeId: `${pod.serviceAccount}.${pod.namespace}`, namespace: pod.namespace, serviceAccount: pod.serviceAccount,
    trustDomain: o.trustDomain, xdsAddress: o.xdsAddress, delta: false, interception: 'iptables', instanceIps: [], services: [],
    labels: pod.labels, certDir: CERTS_DIR, controlPlaneIdentity: controlPlaneIdentity(o.trustDomain), appProbes,
  });
  return JSON.stringify(config, null, 2);
}

/** Per-pod node values, merged by Envoy over the bootstrap file (see the module comment). */
function nodeOverride(serviceAccount: string): string {
  return JSON.stringify({
    node: { id: '$(POD_NAME).$(POD_NAMESPACE)', cluster: `${serviceAccount}.$(POD_NAMESPACE)`, metadata: { namespace: '$(POD_NAMESPACE)', instance_ips: '$(POD_IP)' } },
  });
}

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * The proxy's health check: `GET :15090/stats/prometheus?filter=server.live`. The 15090 listener
 * is not in the bootstrap; weft sends it over LDS, routed to the `envoy-admin` cluster that came
 * over CDS. Envoy starts listening on it only after its initial xDS fetch completes (the server
 * turns live), so a 200 here means weft's first CDS and LDS were accepted (ACKed) and applied.
 * Envoy's own admin `/ready` was the alternative, but it is on loopback (the kubelet probes the
 * pod IP) and turns LIVE also when the initial fetch merely timed out (`initial_fetch_timeout`),
 * with no config from weft. The filter keeps the answer to one gauge instead of every stat.
 */
const proxyProbe = { path: '/stats/prometheus?filter=server.live', port: names.STATS_PORT };

/** The Envoy container. It runs as UID 1337, which the iptables rules exempt. */
export function sidecarContainer(o: InjectOptions, pod: PodFacts): Record<string, unknown> {
  const native = o.sidecarMode === 'native';
  return {
    name: SIDECAR_NAME,
    image: o.image,
    ...(native ? { restartPolicy: 'Always' } : {}),
    command: ['envoy'],
    args: ['-c', `${BOOTSTRAP_DIR}/envoy.json`, '--config-yaml', nodeOverride(pod.serviceAccount), '--disable-hot-restart', ...ENVOY_SIDECAR_FLAGS, '--log-level', o.logLevel],
    env: [fieldEnv('POD_NAME', 'metadata.name'), fieldEnv('POD_NAMESPACE', 'metadata.namespace'), fieldEnv('POD_IP', 'status.podIP')],
    ports: [{ name: 'http-envoy-prom', containerPort: names.STATS_PORT, protocol: 'TCP' }],
    // Native: the kubelet starts the next containers once the startup probe passes (up to 10 min).
    ...(native ? { startupProbe: { httpGet: proxyProbe, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 600 } } : {}),
    readinessProbe: native
      ? { httpGet: proxyProbe, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 }
      : { httpGet: proxyProbe, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 30 },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
    securityContext: {
      runAsUser: PROXY_UID, runAsGroup: PROXY_UID, runAsNonRoot: true, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: BOOTSTRAP_VOLUME, mountPath: BOOTSTRAP_DIR, readOnly: true },
      { name: CERTS_VOLUME, mountPath: CERTS_DIR, readOnly: true },
    ],
  };
}

/** The init container that installs the redirection; needs NET_ADMIN/NET_RAW and root. */
export function initContainer(o: InjectOptions): Record<string, unknown> {
  const xdsPort = Number(/:(\d+)$/.exec(o.xdsAddress)?.[1] ?? 18000);
  const script = iptablesScript({ excludeInboundPorts: o.excludeInboundPorts, excludeOutboundPorts: [xdsPort, o.adminPort, ...o.excludeOutboundPorts] });
  return {
    name: INIT_NAME,
    image: o.initImage,
    command: ['sh', '-c', script],
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
    securityContext: {
      runAsUser: 0, runAsNonRoot: false, allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

/**
 * The bootstrap volume (the annotation's bootstrap, and with token identity the trust bundle) and
 * the certificate volume: with token identity an in-memory emptyDir the agent fills, else the
 * service account's bootstrap Secret.
 */
export function sidecarVolumes(o: InjectOptions, serviceAccount: string): Record<string, unknown>[] {
  const item = (path: string, annotation: string) => ({ path, fieldRef: { fieldPath: `metadata.annotations['${annotation}']` } });
  const token = o.identity === 'token';
  return [
    { name: BOOTSTRAP_VOLUME, downwardAPI: { items: [item('envoy.json', BOOTSTRAP_ANNOTATION), ...(token ? [item('ca.pem', CA_BUNDLE_ANNOTATION)] : [])] } },
    token
      ? { name: CERTS_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }
      // 0444: the files are readable by the proxy's UID without changing the pod's fsGroup; only
      // the sidecar mounts this volume.
      : { name: CERTS_VOLUME, secret: { secretName: certSecretName(serviceAccount), defaultMode: 0o444 } },
    ...(token ? [{ name: TOKEN_VOLUME, projected: { sources: [{ serviceAccountToken: { audience: o.tokenAudience, expirationSeconds: 3600, path: 'token' } }] } }] : []),
  ];
}

/**
 * Token identity's init step: `weft agent` as the proxy's user (so the iptables rules let its
 * connection to weft through), exchanging the projected token for the bootstrap certificate
 * (docs/security.md "Bootstrap identity"). It runs after `weft-init` and before the proxy.
 */
export function agentContainer(o: InjectOptions, pod: PodFacts): Record<string, unknown> {
  return {
    name: AGENT_NAME,
    image: o.initImage,
    args: ['agent', '--exchange-address', o.exchangeAddress, '--trust-domain', o.trustDomain, '--namespace', '$(POD_NAMESPACE)',
      '--service-account', pod.serviceAccount, '--token-file', `${TOKEN_DIR}/token`, '--ca-file', `${BOOTSTRAP_DIR}/ca.pem`, '--out', CERTS_DIR],
    env: [fieldEnv('POD_NAMESPACE', 'metadata.namespace')],
    resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
    securityContext: {
      runAsUser: PROXY_UID, runAsGroup: PROXY_UID, runAsNonRoot: true, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: BOOTSTRAP_VOLUME, mountPath: BOOTSTRAP_DIR, readOnly: true },
      { name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true },
      { name: CERTS_VOLUME, mountPath: CERTS_DIR },
    ],
  };
}
