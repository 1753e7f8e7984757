/**
 * Probe rewriting (docs/deploy.md "Probes"). The kubelet probes the pod IP, so a probe on an
 * intercepted port reaches the inbound listener, which under `mtls: strict` refuses a client
 * without a mesh certificate. An HTTP probe is therefore rewritten to the sidecar's plaintext
 * probe listener (`GET :15020/app-health/<container>/<livez|readyz|startupz>`), which forwards it
 * to the application's original path and port on 127.0.0.1 (controlplane/probe-listener.ts), as
 * Istio's agent and Linkerd's proxy let probes through. The original `httpGet` of each rewritten
 * probe is kept in the annotation `weft.io/app-probes`, so injecting again (or with rewriting off)
 * finds and restores it: the rewrite is idempotent and reversible.
 *
 * Not rewritten, and warned about (WEFT7004): HTTPS probes (the kubelet does not verify their
 * certificate, but the forwarding here is plaintext), probes with a `host` (they do not target
 * the pod), gRPC probes (no path to route on), TCP probes (the sidecar's listener accepts the
 * connection whatever the application's state, so they always succeed), named ports that no
 * container port defines. Probes on `excludeInboundPorts` reach the application directly and stay.
 */
import type { AppProbe } from '../controlplane/index.js';
import { names } from '../translate/index.js';
import { jsonCovers } from './patch.js';

export const PROBES_ANNOTATION = 'weft.io/app-probes';

const FIELDS = [['livenessProbe', 'livez'], ['readinessProbe', 'readyz'], ['startupProbe', 'startupz']] as const;

interface HttpGet { path?: string; port?: number | string; scheme?: string; host?: string; httpHeaders?: { name: string; value: string }[] }
interface Probe { httpGet?: HttpGet; tcpSocket?: { port?: number | string }; grpc?: { port?: number }; timeoutSeconds?: number; [k: string]: unknown }
export interface ContainerJson { name?: string; ports?: { containerPort?: number; name?: string }[]; [field: string]: unknown }

export interface ProbeEdit { readonly container: number; readonly field: string; readonly value: Probe }
/** A probe left on an intercepted port: WEFT7004. */
export interface RedirectedProbe { readonly container: number; readonly field: string; readonly port: number | string; readonly tcp: boolean }

export interface ProbePlan {
  /** Probes to set (rewritten, or restored from the annotation); unchanged probes are absent. */
  readonly edits: readonly ProbeEdit[];
  readonly appProbes: readonly AppProbe[];
  /** The annotation's content: original `httpGet` per `<container>/<field>`, sorted keys. */
  readonly originals: Readonly<Record<string, HttpGet>>;
  readonly redirected: readonly RedirectedProbe[];
}

export const rewrittenPath = (container: string, kind: string) => `/app-health/${container}/${kind}`;

/** Reads the annotation; anything malformed counts as absent (then rewritten probes stay as they are). */
export function storedOriginals(annotation: unknown): Record<string, HttpGet> {
  if (typeof annotation !== 'string') return {};
  try {
    const v: unknown = JSON.parse(annotation);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, HttpGet>) : {};
  } catch {
    return {};
  }
}

/** `scheme: HTTP` is the API server's default: dropped, so a stored original is the same whether
 * the probe came from a manifest or from a defaulted Pod in an admission request. */
function canonical(probe: Probe): Probe {
  if (probe.httpGet?.scheme !== 'HTTP') return probe;
  const { scheme: _s, ...httpGet } = probe.httpGet;
  return { ...probe, httpGet };
}

/** Decides every probe of the application containers (those not named `skip`). */
export function planProbes(containers: readonly ContainerJson[], stored: Record<string, HttpGet>, rewrite: boolean, excluded: readonly number[], skip: string): ProbePlan {
  const edits: ProbeEdit[] = [];
  const appProbes: AppProbe[] = [];
  const originals: Record<string, HttpGet> = {};
  const redirected: RedirectedProbe[] = [];
  containers.forEach((c, ci) => {
    if (c.name === skip || typeof c.name !== 'string') return;
    for (const [field, kind] of FIELDS) {
      const probe = c[field] as Probe | undefined;
      if (!probe || typeof probe !== 'object') continue;
      const path = rewrittenPath(c.name, kind);
      const key = `${c.name}/${field}`;
      const wasRewritten = probe.httpGet?.port === names.PROBE_PORT && probe.httpGet.path === path && stored[key] !== undefined;
      const original: Probe = wasRewritten ? { ...probe, httpGet: stored[key] } : canonical(probe);
      const raw = original.httpGet?.port ?? original.tcpSocket?.port ?? original.grpc?.port;
      const port = typeof raw === 'number' ? raw : c.ports?.find((p) => p.name === raw)?.containerPort;
      if (raw === undefined || original.httpGet?.host || (port !== undefined && excluded.includes(port))) {
        if (!jsonCovers(probe, original)) edits.push({ container: ci, field, value: original });
        continue;
      }
      const get = original.httpGet;
      const plainHttp = get !== undefined && (get.scheme === undefined || get.scheme === 'HTTP');
      if (rewrite && plainHttp && port !== undefined) {
        const next: Probe = { ...original, httpGet: { path, port: names.PROBE_PORT } };
        originals[key] = get;
        appProbes.push({ path, appPath: get.path ?? '/', appPort: port, headers: get.httpHeaders ?? [], timeoutSeconds: original.timeoutSeconds ?? 1 });
        if (!jsonCovers(probe, next)) edits.push({ container: ci, field, value: next });
        continue;
      }
      if (!jsonCovers(probe, original)) edits.push({ container: ci, field, value: original });
      redirected.push({ container: ci, field, port: port ?? raw, tcp: original.tcpSocket !== undefined });
    }
  });
  const sortedOriginals = Object.fromEntries(Object.entries(originals).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { edits, appProbes, originals: sortedOriginals, redirected };
}
