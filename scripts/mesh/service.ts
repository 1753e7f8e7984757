/**
 * A mesh service instance as a child process: `node --import tsx scripts/mesh/service.ts '<json>'`
 * with a `ServiceConfig`. Serves `Mesh/Call` on each of `ports` (one replica per port), either as
 * a plain gRPC server or as an xDS-enabled `XdsServer` (server listener, mTLS and RBAC from weft).
 * Calls its `upstream` (an `xds:///` target) per request when it has one.
 *
 * Prints one line `READY {"ports":[...]}` on stdout once every port serves; exits when its parent
 * closes stdin, or on SIGTERM/SIGINT. xDS settings come from GRPC_XDS_BOOTSTRAP.
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { callOnce, exitWithParent, meshService } from './wire.js';

export interface ServiceConfig {
  /** Instance name; replicas after the first are named `<name>-<index>`. */
  readonly name: string;
  readonly ports: readonly number[];
  /** Serve through `XdsServer` on 0.0.0.0 (weft names server listeners by 0.0.0.0:<port>). */
  readonly xdsServer?: boolean;
  /** Share of calls answered UNAVAILABLE, drawn from a seeded generator (reproducible runs). */
  readonly failRate?: number;
  /** Replica indices that answer every call UNAVAILABLE. */
  readonly brokenReplicas?: readonly number[];
  readonly upstream?: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServiceConfig;
grpcXds.register();

/** mulberry32: a tiny seeded generator, so a run's failure pattern is the same every time. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seeded(7);
const upstream = config.upstream ? new grpc.Client(config.upstream, new grpcXds.XdsChannelCredentials(grpc.credentials.createInsecure())) : undefined;

function handler(replica: number): grpc.UntypedHandleCall {
  const name = replica === 0 ? config.name : `${config.name}-${replica}`;
  const broken = config.brokenReplicas?.includes(replica) ?? false;
  return (async (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => {
    if (broken || random() < (config.failRate ?? 0)) return cb({ code: grpc.status.UNAVAILABLE, details: `${name} failed on purpose` });
    if (!upstream) return cb(null, Buffer.from(name));
    const up = await callOnce(upstream, {}, 3_000);
    if (up.r.startsWith('error ')) return cb({ code: grpc.status.UNAVAILABLE, details: `${name}: upstream ${up.r}` });
    cb(null, Buffer.from(`${name}>${up.r}`));
  }) as grpc.UntypedHandleCall;
}

function serve(port: number, replica: number): Promise<grpc.Server> {
  const server = config.xdsServer ? new grpcXds.XdsServer() : new grpc.Server();
  server.addService(meshService, { Call: handler(replica) });
  const address = config.xdsServer ? `0.0.0.0:${port}` : `127.0.0.1:${port}`;
  const creds = config.xdsServer ? new grpcXds.XdsServerCredentials(grpc.ServerCredentials.createInsecure()) : grpc.ServerCredentials.createInsecure();
  return new Promise((resolve, reject) => server.bindAsync(address, creds, (err) => (err ? reject(err) : resolve(server))));
}

async function main(): Promise<void> {
  // Watch the parent first: an XdsServer that never gets its Listener never calls back.
  const servers: grpc.Server[] = [];
  exitWithParent(() => {
    upstream?.close();
    for (const s of servers) s.forceShutdown();
  });
  servers.push(...(await Promise.all(config.ports.map((p, i) => serve(p, i)))));
  process.stdout.write(`READY ${JSON.stringify({ ports: config.ports })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`${config.name}: ${err.message}\n`);
  process.exit(1);
});
