/**
 * Real gRPC backends for interop tests: each answers `/weft.test.Echo/Who` with its own name, so
 * a test can count where calls landed.
 */
import * as grpc from '@grpc/grpc-js';

export const WHO = '/weft.test.Echo/Who';
const raw = (b: Buffer) => b;

export async function startBackend(name: string): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = new grpc.Server();
  const def = { Who: { path: WHO, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } };
  server.addService(def as grpc.ServiceDefinition, {
    Who: ((_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.from(name))) as grpc.UntypedHandleCall,
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { port, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

/** One unary call; resolves with the backend's name or the error's code and details. */
export function who(client: grpc.Client, metadata = new grpc.Metadata(), deadlineMs = 5_000): Promise<string> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(WHO, raw, raw, Buffer.alloc(0), metadata, { deadline: Date.now() + deadlineMs }, (err, value) => {
      resolve(err ? `error ${err.code}: ${err.details}` : value!.toString());
    });
  });
}

/** Counts where `n` sequential calls land. */
export async function tally(client: grpc.Client, n: number, metadata?: grpc.Metadata): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const w = await who(client, metadata);
    counts[w] = (counts[w] ?? 0) + 1;
  }
  return counts;
}

export function xdsBootstrap(port: number, nodeId: string): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: nodeId, cluster: 'test', locality: { zone: 'zone-a' } },
  });
}
