/**
 * The compiled yes/no check (proto/validate-fast.ts) decides whether `checkResource`,
 * `validateMessage` and `checkShape` run their reporting walks at all, so it must agree with them
 * exactly: it says "fits" only when the reporters find nothing, and (so that it saves anything)
 * "does not fit" only when they find something. The reporters are run here unconditionally, as
 * the reference, over real resources from translate(), seeded mutations of them and seeded random
 * objects of every loaded message type; a failure names the seed, type and object.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { resourceFits, shapeFits } from '../../proto/validate-fast.js';
import { typeNamed } from '../../proto/validate-lookup.js';
import { messageCheck } from '../../proto/validate-message.js';
import type { Violation } from '../../proto/validate-rules.js';
import { shapeErrors } from '../../proto/validate-shape.js';
import { checkResource, validateMessage } from '../../proto/validate.js';
import { rng } from '../translate/random-mesh.js';
import { translatedResources, type Sample } from './corpus.js';
import { allMessageTypes, mutate, randomMessage } from './random-values.js';

interface Reference { readonly shape: readonly { path: string; message: string }[]; readonly rules: readonly Violation[] }

/** What the reporting walks say, run without the compiled gate; `undefined` when they throw. */
function reference(type: protobuf.Type, obj: object): Reference | undefined {
  try {
    const rules: Violation[] = [];
    messageCheck(type)?.(obj as Record<string, unknown>, '', rules);
    return { shape: shapeErrors(type, obj), rules };
  } catch {
    return undefined;
  }
}

/** Why the compiled check and the gated entry points disagree with the reference, if they do. */
function disagreement({ type: name, obj }: Sample, ref: Reference | undefined): string | undefined {
  const type = typeNamed(name);
  const fits = resourceFits(type, obj);
  if (!ref) return fits ? 'resourceFits says fits where the reporters throw' : undefined;
  const found = JSON.stringify([...ref.shape, ...ref.rules]);
  if (shapeFits(type, obj) !== (ref.shape.length === 0)) return `shapeFits answered ${!ref.shape.length ? 'no' : 'yes'}; shape errors: ${JSON.stringify(ref.shape)}`;
  if (fits !== (ref.shape.length + ref.rules.length === 0)) return `resourceFits answered ${fits ? 'yes' : 'no'}; reporters found: ${found}`;
  const want = [...ref.shape.map((e) => ({ path: e.path, rule: 'shape', message: e.message })), ...ref.rules];
  if (JSON.stringify(checkResource(name, obj)) !== JSON.stringify(want)) return 'checkResource differs from the reporters';
  if (JSON.stringify(validateMessage(name, obj)) !== JSON.stringify(ref.rules)) return 'validateMessage differs from the reporter';
  return undefined;
}

/** Checks every sample; returns the first disagreement (with the object) and what the reporters found. */
function compare(samples: readonly Sample[], label: string): { first: string | undefined; found: Reference[]; fitting: number } {
  const found: Reference[] = [];
  let fitting = 0;
  for (const s of samples) {
    const ref = reference(typeNamed(s.type), s.obj);
    const why = disagreement(s, ref);
    if (why) return { first: `${label}: ${s.type} ${why}\n${JSON.stringify(s.obj)}`, found, fitting };
    if (ref) found.push(ref);
    if (ref && ref.shape.length + ref.rules.length === 0) fitting++;
  }
  return { first: undefined, found, fitting };
}

/** The shape messages of validate-shape.ts, one pattern each. */
const shapeMessages: readonly RegExp[] = [
  /^expected an object for [\w.]+$/, /^unknown type .*: no such message type is loaded$/, /^unknown field ".*" of [\w.]+$/,
  /^oneof has \d+ members set: /, /^expected an object for a map field$/, /^expected an array for a repeated field$/,
  /^".*" is not a value of enum [\w.]+$/, /^expected an enum name or integer for [\w.]+$/, /^expected an integer in \[/,
  /^expected an integer \(number, decimal string or Long\) for \w+$/, /^expected a string$/, /^expected a boolean$/,
  /^expected a number for \w+$/, /^expected a Uint8Array or base64 string for bytes$/,
];

describe('compiled check versus the reporting walks', () => {
  const corpus = [1, 2, 3].flatMap((seed) => translatedResources(seed, 40));

  it('agreesOnEveryTranslatedResource', () => {
    const { first, fitting } = compare(corpus, 'translated');
    expect(first).toBeUndefined();
    expect(corpus.length).toBeGreaterThan(200);
    expect(fitting).toBe(corpus.length);
  });

  it('agreesOnMutatedResourcesAndTheyHitEveryShapeMessage', () => {
    const r = rng(13);
    const mutants = corpus.flatMap((s) => Array.from({ length: 6 }, () => ({ type: s.type, obj: mutate(typeNamed(s.type), s.obj, r) })));
    const { first, found, fitting } = compare(mutants, 'mutant (seed 13)');
    expect(first).toBeUndefined();
    const messages = found.flatMap((ref) => ref.shape.map((e) => e.message));
    expect(shapeMessages.filter((re) => !messages.some((m) => re.test(m)))).toEqual([]);
    expect(new Set(found.flatMap((ref) => ref.rules.map((v) => v.rule))).size).toBeGreaterThan(15);
    expect(fitting).toBeGreaterThan(0);
  });

  it('agreesOnRandomObjectsOfEveryLoadedType', () => {
    const r = rng(7);
    const samples = allMessageTypes().flatMap((t) => Array.from({ length: 12 }, () => ({ type: t.fullName.slice(1), obj: randomMessage(t, r) })));
    const { first, fitting } = compare(samples, 'random (seed 7)');
    expect(first).toBeUndefined();
    expect(fitting).toBeGreaterThan(samples.length / 10);
    expect(fitting).toBeLessThan(samples.length);
  });
});

describe('compiled check on rule features the loaded Envoy protos do not use', () => {
  const root = protobuf.parse(`
    syntax = "proto3";
    package t;
    message Leaf { string name = 1 [(validate.rules).string = {min_len: 1}]; }
    message Off { option (validate.disabled) = true; Leaf leaf = 1; }
    message Node {
      Leaf skipped = 1 [(validate.rules).message.skip = true];
      Leaf checked = 2;
      Off off = 3;
      repeated Node kids = 4;
    }
  `, { keepCase: true }).root;
  root.resolveAll();
  const node = root.lookupType('t.Node');
  const rows: [string, object, boolean][] = [
    ['message.skip leaves the field\'s message unchecked', { skipped: { name: '' } }, true],
    ['a field without skip is checked', { checked: { name: '' } }, false],
    ['a (validate.disabled) message is not checked below', { off: { leaf: { name: '' } } }, true],
    ['a disabled message still has a shape', { off: { leaf: { name: 5 } } }, false],
    ['a skipped message still has a shape', { skipped: { nom: 'a' } }, false],
    ['recursion reaches rules at depth', { kids: [{ kids: [{ checked: { name: '' } }] }] }, false],
    ['recursion keeps skip at depth', { kids: [{ kids: [{ skipped: { name: '' } }] }] }, true],
  ];

  it.each(rows)('%s', (_name, obj, fits) => {
    const ref = reference(node, obj)!;
    expect(ref.shape.length + ref.rules.length === 0).toBe(fits);
    expect(resourceFits(node, obj)).toBe(fits);
  });
});

describe('reports of broken objects are unchanged by the gate', () => {
  const cluster = 'envoy.config.cluster.v3.Cluster';
  const ok = { name: 'c', type: 'EDS', connect_timeout: { seconds: 1 }, eds_cluster_config: { eds_config: { ads: {} } } };
  const rows: [string, object, [string, string][]][] = [
    // PGV still reads a malformed value, as it did before the gate: a number is a zero Duration.
    ['a message given as a number', { ...ok, connect_timeout: 5 }, [['connect_timeout', 'expected an object for google.protobuf.Duration'], ['connect_timeout', 'must be greater than 0s (duration.gt)']]],
    ['a map given as an array', { ...ok, metadata: { filter_metadata: [] } }, [['metadata.filter_metadata', 'expected an object for a map field']]],
    ['a repeated field given as an object', { ...ok, health_checks: {} }, [['health_checks', 'expected an array for a repeated field']]],
    ['an unknown enum name', { ...ok, lb_policy: 'FASTEST' }, [['lb_policy', '"FASTEST" is not a value of enum envoy.config.cluster.v3.Cluster.LbPolicy'], ['lb_policy', 'must be a defined value of envoy.config.cluster.v3.Cluster.LbPolicy (enum.defined_only)']]],
    ['an enum given as a fraction', { ...ok, lb_policy: 1.5 }, [['lb_policy', 'expected an enum name or integer for envoy.config.cluster.v3.Cluster.LbPolicy'], ['lb_policy', 'must be a defined value of envoy.config.cluster.v3.Cluster.LbPolicy (enum.defined_only)']]],
    ['a uint32 beyond 32 bits', { ...ok, per_connection_buffer_limit_bytes: { value: 2 ** 32 } }, [['per_connection_buffer_limit_bytes.value', 'expected an integer in [0, 4294967295] for uint32']]],
    ['a uint64 given as a negative string', { ...ok, ring_hash_lb_config: { minimum_ring_size: { value: '-1' } } }, [['ring_hash_lb_config.minimum_ring_size.value', 'expected an integer (number, decimal string or Long) for uint64']]],
    ['a string given as an object', { ...ok, alt_stat_name: {} }, [['alt_stat_name', 'expected a string']]],
    ['a bool given as a string', { ...ok, respect_dns_ttl: 'yes' }, [['respect_dns_ttl', 'expected a boolean']]],
    ['a double given as a word', { ...ok, preconnect_policy: { per_upstream_preconnect_ratio: { value: 'lots' } } }, [['preconnect_policy.per_upstream_preconnect_ratio.value', 'expected a number for double'],
      ['preconnect_policy.per_upstream_preconnect_ratio', 'must be at least 1 (double.gte)'], ['preconnect_policy.per_upstream_preconnect_ratio', 'must be at most 3 (double.lte)']]],
    ['bytes that are not base64', { ...ok, metadata: { typed_filter_metadata: { x: { type_url: 'type.googleapis.com/x', value: '!!' } } } }, [['metadata.typed_filter_metadata["x"].value', 'expected a Uint8Array or base64 string for bytes'], ['metadata.typed_filter_metadata["x"].@type', 'unknown type "type.googleapis.com/x": Envoy cannot unpack it (any.type)']]],
    ['two members of one oneof', { name: 'c', type: 'STATIC', cluster_type: { name: 'x' }, connect_timeout: { seconds: 1 } }, [['cluster_discovery_type', 'oneof has 2 members set: type, cluster_type']]],
    ['an unknown field', { ...ok, conect_timeout: { seconds: 1 } }, [['conect_timeout', 'unknown field "conect_timeout" of envoy.config.cluster.v3.Cluster']]],
    ['an Any of an unknown type', { ...ok, typed_extension_protocol_options: { x: { '@type': 'type.googleapis.com/no.Such' } } }, [['typed_extension_protocol_options["x"].@type', 'unknown type "type.googleapis.com/no.Such": no such message type is loaded'], ['typed_extension_protocol_options["x"].@type', 'unknown type "type.googleapis.com/no.Such": Envoy cannot unpack it (any.type)']]],
    // Odd but kept: a key naming an Object.prototype member is found by the reporter's field lookup.
    ['a key named like an Object.prototype member, set', { ...ok, toString: 1 }, [['toString', 'unsupported scalar type undefined']]],
    ['a key named like an Object.prototype member, unset', { ...ok, toString: null }, []],
  ];

  it.each(rows)('%s', (_name, obj, want) => {
    const got = checkResource(cluster, obj).map((v) => [v.path, v.rule === 'shape' ? v.message : `${v.message} (${v.rule})`]);
    expect(got).toEqual(want);
    expect(resourceFits(typeNamed(cluster), obj)).toBe(false);
  });

  it('returnsOneSharedFrozenEmptyListForAResourceWithoutProblems', () => {
    const a = checkResource(cluster, ok);
    expect(a).toEqual([]);
    expect(Object.isFrozen(a)).toBe(true);
    expect(checkResource(cluster, { ...ok })).toBe(a);
  });
});
