/**
 * The SotW request decoder (sotw-decode.ts) against protobufjs' own decode of the same bytes: the
 * same fields for seeded random requests written field by field in random order (names in one or
 * several runs, unknown fields, resource locators), the same refusal of truncated or mistyped
 * input, and name runs shared between requests within a bounded budget.
 */
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { messageType } from '../../proto/index.js';
import { decoder, type RawSotwRequest } from '../../src/xds/requests.js';
import { NameRuns, sotwRequestDecoder } from '../../src/xds/sotw-decode.js';
import { rng } from '../translate/random-mesh.js';

const Req = messageType('envoy.service.discovery.v3.DiscoveryRequest');
const reference = decoder<RawSotwRequest>('envoy.service.discovery.v3.DiscoveryRequest');

/** One field of a DiscoveryRequest, encoded on its own (fields may come in any order). */
const field = (value: Record<string, unknown>) => Buffer.from(Req.encode(Req.fromObject(value)).finish());

/** What weft reads of a decoded request, as plain data. */
function readOf(m: RawSotwRequest) {
  const node = m.node ? (messageType('envoy.config.core.v3.Node').toObject(m.node as unknown as protobuf.Message, { defaults: false }) as object) : null;
  const error = m.error_detail ? { code: m.error_detail.code ?? 0, message: m.error_detail.message ?? '' } : null;
  return { version: m.version_info ?? '', node, names: [...(m.resource_names ?? [])], type: m.type_url ?? '', nonce: m.response_nonce ?? '', error };
}

function randomName(r: () => number): string {
  const parts = ['outbound|8080||svc', '.ns', 'é', '日本', '🙂', '|v1', ''];
  let s = '';
  for (let i = 0, n = 1 + Math.floor(r() * 4); i < n; i++) s += parts[Math.floor(r() * parts.length)]! + String(Math.floor(r() * 100));
  return s;
}

function randomRequest(r: () => number): Buffer {
  const chunks: Buffer[] = [];
  const names = Array.from({ length: Math.floor(r() * 12) }, () => randomName(r));
  // The names in one run, or split in runs other fields come between.
  const cut = r() < 0.5 ? names.length : Math.floor(r() * names.length);
  if (cut > 0) chunks.push(field({ resource_names: names.slice(0, cut) }));
  if (r() < 0.7) chunks.push(field({ version_info: `v${Math.floor(r() * 1e6)}` }));
  if (r() < 0.7) chunks.push(field({ type_url: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment' }));
  if (cut < names.length) chunks.push(field({ resource_names: names.slice(cut) }));
  if (r() < 0.7) chunks.push(field({ response_nonce: String(Math.floor(r() * 1e4)) }));
  if (r() < 0.3) chunks.push(field({ node: { id: `sidecar~10.0.0.${Math.floor(r() * 255)}~p.ns`, cluster: 'c', metadata: { fields: { namespace: { stringValue: 'ns' }, n: { numberValue: 3 } } }, locality: { zone: 'z1' } } }));
  if (r() < 0.2) chunks.push(field({ error_detail: { code: 3, message: `bad ${randomName(r)}` } }));
  if (r() < 0.2) chunks.push(field({ resource_locators: [{ name: 'x' }] }));
  if (r() < 0.2) chunks.push(Buffer.from([(15 << 3) | 0, 42])); // an unknown varint field 15
  for (let i = chunks.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    if (j !== i && !(chunks[i]![0] === 0x1a && chunks[j]![0] === 0x1a)) [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
  }
  return Buffer.concat(chunks);
}

describe('the SotW request decoder', () => {
  it('reads what protobufjs reads, for 2,000 seeded random requests', () => {
    const decode = sotwRequestDecoder();
    const r = rng(13);
    for (let i = 0; i < 2_000; i++) {
      const buf = randomRequest(r);
      const want = reference(buf);
      const got = decode(buf);
      expect(want.ok, `request ${i}`).toBe(true);
      expect(got.ok, `request ${i}`).toBe(true);
      if (want.ok && got.ok) expect(readOf(got.msg), `request ${i}: ${buf.toString('hex')}`).toEqual(readOf(want.msg));
    }
  });

  it('shares one frozen name list between requests naming the same resources', () => {
    const decode = sotwRequestDecoder();
    const names = Array.from({ length: 100 }, (_, i) => `outbound|8080||svc${i}.ns1.svc.cluster.local`);
    const a = decode(Buffer.concat([field({ resource_names: names }), field({ response_nonce: '1' })]));
    const b = decode(Buffer.concat([field({ response_nonce: '2' }), field({ resource_names: names })]));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.msg.resource_names).toEqual(names);
    expect(b.msg.resource_names).toBe(a.msg.resource_names);
    expect(Object.isFrozen(a.msg.resource_names)).toBe(true);
    expect(b.msg.response_nonce).toBe('2');
    // One name more is another run: its own list.
    const c = decode(field({ resource_names: [...names, 'outbound|8080||svc100.ns1.svc.cluster.local'] }));
    expect(c.ok && c.msg.resource_names).toHaveLength(101);
  });

  it('refuses what protobufjs refuses (a truncated request), a names field running past the end, a field of the wrong wire type', () => {
    const decode = sotwRequestDecoder();
    const whole = Buffer.concat([field({ version_info: 'v1' }), field({ resource_names: ['a', 'b'] }), field({ response_nonce: '7' })]);
    const refused = /^cannot decode envoy.service.discovery.v3.DiscoveryRequest: index out of range/;
    for (let cut = 1; cut < whole.length; cut++) {
      const buf = whole.subarray(0, cut);
      const want = reference(buf);
      const got = decode(buf);
      if (!want.ok || !got.ok) expect(got, `cut at ${cut}`).toMatchObject({ ok: false, error: expect.stringMatching(refused) });
      else expect(readOf(got.msg), `cut at ${cut}`).toEqual(readOf(want.msg));
    }
    // protobufjs' Buffer reader cuts a string whose length runs past the end short; a name is refused.
    const cutName = whole.subarray(0, whole.indexOf(0x1a) + 2);
    expect(reference(cutName)).toMatchObject({ ok: true, msg: { resource_names: [''] } });
    expect(decode(cutName)).toMatchObject({ ok: false, error: expect.stringMatching(refused) });
    // resource_names (field 3) as a varint.
    expect(decode(Buffer.from([(3 << 3) | 0, 1]))).toMatchObject({ ok: false, error: expect.stringMatching(/field 3 has wire type 0/) });
  });

  it('tells apart runs whose sampled bytes agree: a hit is the same bytes, compared in full', () => {
    const runs = new NameRuns();
    // 2,000-byte runs are sampled every 31 bytes; these differ only at offset 5 of the run.
    const name = (c: string) => `ab${c}`.padEnd(1_990, 'x');
    const a = field({ resource_names: [name('a')] });
    const b = field({ resource_names: [name('b')] });
    expect(a.length).toBe(b.length);
    expect(runs.of(a, 0, a.length)).toEqual([name('a')]);
    expect(runs.of(b, 0, b.length)).toEqual([name('b')]);
    expect(runs.of(a, 0, a.length)).toEqual([name('a')]);
    expect(runs.size).toBe(2);
    expect(runs.hits).toBe(1);
    // Runs crafted to share their samples are kept four at most: a lookup compares no more.
    for (const c of 'cdefgh') {
      const x = field({ resource_names: [name(c)] });
      expect(runs.of(x, 0, x.length)).toEqual([name(c)]);
    }
    expect(runs.size).toBe(4);
  });

  it('keeps runs within its byte budget, least recently used out, and never keeps an oversized run', () => {
    const runs = new NameRuns(1_000, 400);
    const run = (i: number, size: number) => field({ resource_names: [`${i}:`.padEnd(size, 'x')] });
    const kept = Array.from({ length: 8 }, (_, i) => run(i, 200));
    for (const b of kept) runs.of(b, 0, b.length);
    expect(runs.size).toBe(4);
    const last = kept[7]!;
    const again = runs.of(last, 0, last.length);
    expect(runs.of(last, 0, last.length)).toBe(again);
    const big = run(99, 500);
    expect(runs.of(big, 0, big.length)).not.toBe(runs.of(big, 0, big.length));
    expect(runs.size).toBe(4);
  });
});
