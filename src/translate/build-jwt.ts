/**
 * Model → IR end-user authentication of one inbound HTTP chain, from the `jwt` block of the
 * service's AccessPolicies. A remote JWKS is fetched through the egress cluster of its
 * ExternalService (the first host's cluster under dns resolution), with TLS when the
 * ExternalService originates it.
 */
import type { ExternalService, JwtAuthentication, JwtProvider } from '../model/index.js';
import type { IrJwt, IrJwtProvider } from './ir.js';
import { allowPath } from './path-match.js';
import { externalGroups } from './build-egress.js';

/** undefined when a remote JWKS' ExternalService or port is missing (the policy loader refuses
 * that, so only a hand-built model gets here); the caller then fails closed. */
export function jwtOf(jwt: JwtAuthentication, external: ReadonlyMap<string, ExternalService>): IrJwt | undefined {
  const providers: IrJwtProvider[] = [];
  for (const p of jwt.providers) {
    const ir = providerOf(p, external);
    if (!ir) return undefined;
    providers.push(ir);
  }
  return {
    providers,
    exempt: jwt.exemptPaths.map((path) => {
      const m = allowPath(path);
      return 'exact' in m ? { exact: m.exact } : { prefix: (m as { prefix: string }).prefix };
    }),
  };
}

function providerOf(p: JwtProvider, external: ReadonlyMap<string, ExternalService>): IrJwtProvider | undefined {
  const base = { name: p.name, issuer: p.issuer, audiences: p.audiences, claimHeaders: p.forwardClaims.map(([claim, header]) => ({ claim, header })) };
  if (!p.remoteJwks) return { ...base, jwks: p.jwks ?? '' };
  const r = p.remoteJwks;
  const ext = external.get(r.externalService);
  const port = ext?.ports.find((x) => (r.port === undefined ? x.protocol === 'http' : x.port === r.port));
  if (!ext || !port || port.protocol !== 'http') return undefined;
  const group = externalGroups(ext, port)[0]!;
  const scheme = ext.tls ? 'https' : 'http';
  // The URI gives the fetch its Host header; the cluster decides where it connects (and TLS).
  const defaultPort = ext.tls ? 443 : 80;
  const hostPort = port.targetPort === defaultPort ? group.hosts[0]! : `${group.hosts[0]!}:${port.targetPort}`;
  return { ...base, remote: { uri: `${scheme}://${hostPort}${r.path}`, cluster: group.cluster, cacheDurationMs: r.cacheDurationMs } };
}
