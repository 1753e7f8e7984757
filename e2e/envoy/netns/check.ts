/**
 * A gRPC external authorizer for the namespace-mesh application (app.ts): the unary call
 * `envoy.service.auth.v3.Authorization/Check` on a `grpc` port's cleartext HTTP/2 server
 * (streams.ts), its messages decoded and encoded with protobufjs from Envoy's own protos (the
 * `@grpc/grpc-js-xds` deps tree weft loads, proto/index.ts). It decides like the HTTP authorizer
 * (app.ts `authorize`): the checked request's `header` equal to `allow` is OK with `x-auth-user`
 * added upstream, anything else PERMISSION_DENIED with a 403 and a JSON body naming what was
 * asked; `status` >= 500 answers UNAVAILABLE (a failed check), `delayMs` delays the answer.
 */
import { existsSync } from 'node:fs';
import type http2 from 'node:http2';
import path from 'node:path';
import protobuf from 'protobufjs';
import { includeDirs } from '../../../proto/index.js';

export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

export interface CheckBehaviour { readonly status?: number; readonly delayMs?: number; readonly authorize?: { readonly header: string; readonly allow: string } }

let types: { request: protobuf.Type; response: protobuf.Type } | undefined;
function checkTypes(): { request: protobuf.Type; response: protobuf.Type } {
  if (types) return types;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (path.isAbsolute(target)) return target;
    const found = includeDirs.map((d) => path.join(d, target)).find((p) => existsSync(p));
    return found ?? target;
  };
  root.loadSync('envoy/service/auth/v3/external_auth.proto', { keepCase: true });
  root.resolveAll();
  types = { request: root.lookupType('envoy.service.auth.v3.CheckRequest'), response: root.lookupType('envoy.service.auth.v3.CheckResponse') };
  return types;
}

const frame = (msg: Uint8Array): Buffer => Buffer.concat([Buffer.from([0, (msg.length >>> 24) & 0xff, (msg.length >>> 16) & 0xff, (msg.length >>> 8) & 0xff, msg.length & 0xff]), msg]);

/** Answers one Check call on `stream` (the request body is one gRPC frame). */
export function answerCheck(stream: http2.ServerHttp2Stream, name: string, behaviour: () => CheckBehaviour, onCheck: () => void): void {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  stream.on('end', () => {
    onCheck();
    const b = behaviour();
    const body = Buffer.concat(chunks);
    const { request, response } = checkTypes();
    const req = request.toObject(request.decode(body.subarray(5)), { defaults: false }) as { attributes?: { request?: { http?: { path?: string; headers?: Record<string, string> } } } };
    const asked = req.attributes?.request?.http ?? {};
    const allowed = b.authorize !== undefined && asked.headers?.[b.authorize.header] === b.authorize.allow;
    const answer = allowed
      ? { status: { code: 0 }, ok_response: { headers: [{ header: { key: 'x-auth-user', value: `${b.authorize!.allow}-verified` } }] } }
      : { status: { code: 7 }, denied_response: { status: { code: 403 }, body: JSON.stringify({ name, path: asked.path, headers: asked.headers ?? {} }) } };
    const reply = () => {
      if (stream.destroyed) return;
      if ((b.status ?? 0) >= 500) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'unavailable' }, { endStream: true });
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame(response.encode(response.fromObject(answer)).finish()));
    };
    if (b.delayMs) setTimeout(reply, b.delayMs);
    else reply();
  });
}
