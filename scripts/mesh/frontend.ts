/**
 * The frontend: a mesh client as a child process (`node --import tsx scripts/mesh/frontend.ts`).
 * It reaches mesh services only through weft (`xds:///` targets, xDS credentials so mTLS comes
 * from the certificate provider files in its bootstrap), and takes orders on a plaintext control
 * port on 127.0.0.1: `Driver/Run` runs a batch of calls and answers one outcome per call.
 *
 * Prints `READY {"port":N}` once listening; exits with its parent (stdin closed) or on SIGTERM.
 * A target without the `xds:` scheme is dialled directly with plaintext credentials: that is the
 * caller "without a mesh certificate" of the mTLS scenario, and the demo's frontend calling its
 * Envoy sidecar's listener (with the service's host as `authority`).
 */
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { callOnce, driverService, exitWithParent, type Outcome, type RunRequest } from './wire.js';

grpcXds.register();
const clients = new Map<string, grpc.Client>();

function clientFor(target: string, authority?: string): grpc.Client {
  const key = `${target} ${authority ?? ''}`;
  let c = clients.get(key);
  if (!c) {
    const creds = target.startsWith('xds:') ? new grpcXds.XdsChannelCredentials(grpc.credentials.createInsecure()) : grpc.credentials.createInsecure();
    c = new grpc.Client(target, creds, authority ? { 'grpc.default_authority': authority } : {});
    clients.set(key, c);
  }
  return c;
}

/** Runs `calls` calls with at most `concurrency` in flight; outcomes in completion order. */
async function runBatch(req: RunRequest): Promise<Outcome[]> {
  const client = clientFor(req.target, req.authority);
  const out: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    while (next < req.calls) {
      next++;
      out.push(await callOnce(client, req.headers, req.deadlineMs));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(req.concurrency, req.calls)) }, worker));
  return out;
}

async function main(): Promise<void> {
  const server = new grpc.Server();
  exitWithParent(() => {
    for (const c of clients.values()) c.close();
    server.forceShutdown();
  });
  server.addService(driverService, {
    Run: ((call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      runBatch(JSON.parse(call.request.toString()) as RunRequest).then(
        (outcomes) => cb(null, Buffer.from(JSON.stringify(outcomes))),
        (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message }),
      );
    }) as grpc.UntypedHandleCall,
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  process.stdout.write(`READY ${JSON.stringify({ port })}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`frontend: ${err.message}\n`);
  process.exit(1);
});
