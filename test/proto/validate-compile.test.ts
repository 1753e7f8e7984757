import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { messageType } from '../../proto/index.js';
import { messageCheck } from '../../proto/validate-message.js';
import type { RuleSet, Violation } from '../../proto/validate-rules.js';
import { unsupportedRules } from '../../proto/validate-rules.js';
import { scalarCheck } from '../../proto/validate-scalar.js';
import { messageRulesCheck } from '../../proto/validate-wkt.js';

/**
 * Rule families Envoy's loaded protos do not use (or use only in types weft does not emit) are
 * compiled here directly from a FieldRules value, the way protobufjs parses one.
 */
function rulesBroken(check: ((v: unknown, p: string, o: Violation[]) => void) | undefined, value: unknown): string[] {
  const out: Violation[] = [];
  check?.(value, 'f', out);
  return out.map((v) => v.rule);
}

type Row = [string, string, RuleSet, unknown, string[]];

const scalarRows: Row[] = [
  ['string.const mismatch', 'string', { string: { const: 'a' } }, 'b', ['string.const']],
  ['string.len counts code points, not UTF-16 units', 'string', { string: { len: 2 } }, '😀é', []],
  ['string.max_len over', 'string', { string: { max_len: 3 } }, 'abcd', ['string.max_len']],
  ['string.min_len counts code points: two emoji are two, not four', 'string', { string: { min_len: 3 } }, '😀😀', ['string.min_len']],
  ['string.min_len met by code points at twice the units', 'string', { string: { min_len: 2 } }, '😀😀', []],
  ['string.min_len met by plain characters', 'string', { string: { min_len: 2 } }, 'ab', []],
  ['string.min_len short', 'string', { string: { min_len: 1 } }, '', ['string.min_len']],
  ['string.min_bytes counts UTF-8 bytes', 'string', { string: { min_bytes: 4 } }, 'éé', []],
  ['string.len_bytes mismatch', 'string', { string: { len_bytes: 3 } }, 'é', ['string.len_bytes']],
  ['string.prefix missing', 'string', { string: { prefix: 'spiffe://' } }, 'http://x', ['string.prefix']],
  ['string.suffix missing', 'string', { string: { suffix: '.local' } }, 'a.com', ['string.suffix']],
  ['string.contains missing', 'string', { string: { contains: '|' } }, 'abc', ['string.contains']],
  ['string.not_contains present', 'string', { string: { not_contains: '..' } }, 'a..b', ['string.not_contains']],
  ['string.not_in hit', 'string', { string: { not_in: ['x', 'y'] } }, 'y', ['string.not_in']],
  ['string.in given as a bare value', 'string', { string: { in: 'only' } }, 'only', []],
  ['string.ipv4 rejects an IPv6 address', 'string', { string: { ipv4: true } }, '::1', ['string.ipv4']],
  ['string.ip accepts IPv6', 'string', { string: { ip: true } }, 'fe80::1', []],
  ['string.hostname rejects a leading hyphen', 'string', { string: { hostname: true } }, '-a.example', ['string.hostname']],
  ['string.address accepts a host name', 'string', { string: { address: true } }, 'reviews.default.svc', []],
  ['string.uuid malformed', 'string', { string: { uuid: true } }, '1234', ['string.uuid']],
  ['header name regex lets a comma through, as PGV does', 'string', { string: { well_known_regex: 'HTTP_HEADER_NAME' } }, 'a,b', []],
  ['header name regex allows a leading colon for pseudo-headers', 'string', { string: { well_known_regex: 'HTTP_HEADER_NAME' } }, ':authority', []],
  ['bytes.len mismatch', 'bytes', { bytes: { len: 4 } }, new Uint8Array(3), ['bytes.len']],
  ['bytes.max_len on a base64 string', 'bytes', { bytes: { max_len: 2 } }, Buffer.from('abc').toString('base64'), ['bytes.max_len']],
  ['bytes.prefix mismatch', 'bytes', { bytes: { prefix: 'ab' } }, Buffer.from('ba'), ['bytes.prefix']],
  ['bytes.ipv6 wrong length', 'bytes', { bytes: { ipv6: true } }, new Uint8Array(4), ['bytes.ipv6']],
  ['int32.const mismatch', 'int32', { int32: { const: 7 } }, 8, ['int32.const']],
  ['int64.in miss (string value)', 'int64', { int64: { in: [1, 2] } }, '3', ['int64.in']],
  ['uint32.not_in hit', 'uint32', { uint32: { not_in: [0] } }, 0, ['uint32.not_in']],
  ['inverted bounds mean outside the range: inside fails', 'int32', { int32: { lt: 0, gt: 10 } }, 5, ['int32.gt_lt']],
  ['inverted bounds mean outside the range: outside passes', 'int32', { int32: { lt: 0, gt: 10 } }, 11, []],
  ['double.gt rejects NaN', 'double', { double: { gt: 0 } }, Number.NaN, ['double.gt']],
  ['float.gte and lte both checked', 'float', { float: { gte: 0, lte: 1 } }, 1.5, ['float.lte']],
  ['bool.const mismatch', 'bool', { bool: { const: true } }, false, ['bool.const']],
  ['uint32.ignore_empty skips zero', 'uint32', { uint32: { gt: 5, ignore_empty: true } }, 0, []],
];

describe('compiled scalar rules', () => {
  it.each(scalarRows)('%s', (_name, type, rules, value, want) => {
    expect(rulesBroken(scalarCheck(type, undefined, rules), value)).toEqual(want);
  });
});

describe('compiled well-known-type rules', () => {
  const timestamp = messageType('google.protobuf.Timestamp');
  const any = messageType('google.protobuf.Any');

  it('checks timestamp bounds exactly', () => {
    const check = messageRulesCheck(timestamp, { timestamp: { gt: { seconds: 1_700_000_000 } } });
    expect(rulesBroken(check, { seconds: 1_700_000_000 })).toEqual(['timestamp.gt']);
    expect(rulesBroken(check, { seconds: 1_700_000_000, nanos: 1 })).toEqual([]);
  });

  it('checks Any type URLs against in and not_in', () => {
    const url = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
    const allowOnly = messageRulesCheck(any, { any: { in: [url] } });
    expect(rulesBroken(allowOnly, { '@type': url })).toEqual([]);
    expect(rulesBroken(allowOnly, { type_url: 'type.googleapis.com/x.Y' })).toEqual(['any.in']);
    expect(rulesBroken(messageRulesCheck(any, { any: { not_in: [url] } }), { '@type': url })).toEqual(['any.not_in']);
  });

  it('records rules that need a clock as unsupported instead of failing', () => {
    messageRulesCheck(timestamp, { timestamp: { lt_now: true } });
    expect(unsupportedRules()).toContain('timestamp.lt_now (needs a clock)');
  });
});

describe('compiled message validators', () => {
  const root = protobuf.parse(`
    syntax = "proto3";
    package t;
    message Off {
      option (validate.disabled) = true;
      string name = 1 [(validate.rules).string = {min_len: 1}];
    }
    message Node {
      string name = 1 [(validate.rules).string = {min_len: 1}];
      Off off = 2;
      repeated Node kids = 3;
      optional uint32 weight = 4 [(validate.rules).uint32 = {gt: 0}];
    }
    message Plain { string note = 1; }
  `, { keepCase: true }).root;
  root.resolveAll();
  const run = (type: string, obj: object) => {
    const out: Violation[] = [];
    messageCheck(root.lookupType(type))?.(obj as Record<string, unknown>, '', out);
    return out.map((v) => [v.path, v.rule]);
  };

  it('skips a message marked (validate.disabled), including below it', () => {
    expect(messageCheck(root.lookupType('t.Off'))).toBeNull();
    expect(run('t.Node', { name: 'a', off: { name: '' } })).toEqual([]);
  });

  it('follows recursive types to any depth', () => {
    expect(run('t.Node', { name: 'a', kids: [{ name: 'b', kids: [{ name: '' }] }] })).toEqual([['kids[0].kids[0].name', 'string.min_len']]);
  });

  it('checks a proto3 optional scalar only when it is set', () => {
    expect(run('t.Node', { name: 'a' })).toEqual([]);
    expect(run('t.Node', { name: 'a', weight: 0 })).toEqual([['weight', 'uint32.gt']]);
  });

  it('compiles a type with no rules anywhere to nothing', () => {
    expect(messageCheck(root.lookupType('t.Plain'))).toBeNull();
  });
});
