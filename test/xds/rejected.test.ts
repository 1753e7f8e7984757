/** Which resources of a NACKed LDS/CDS response a NACK can be told to be about (rejected.ts). */
import { describe, expect, it } from 'vitest';
import { identifyRejected } from '../../src/xds/rejected.js';
import { ResourceEncoder } from '../../src/xds/index.js';
import { T, cluster } from './harness.js';

const enc = new ResourceEncoder();
const sent = ['a', 'inbound|127.0.0.2', 'inbound|127.0.0.2:19081', 'outbound|9080||reviews'].map((n) => enc.encode(T.Cluster, n, cluster(n).message));
const pick = (message: string, suspects = sent) => identifyRejected(suspects, sent, message).map((r) => r.name);

describe('identifyRejected', () => {
  const cases: [string, string, string[]][] = [
    ['names a cluster the way Envoy does', 'Error adding/updating cluster(s) outbound|9080||reviews: bad', ['outbound|9080||reviews']],
    ['names several, comma separated', 'Error adding/updating cluster(s) a: x, inbound|127.0.0.2:19081: y', ['a', 'inbound|127.0.0.2:19081']],
    ['does not take a name for a prefix of a longer one', 'Error adding/updating cluster(s) inbound|127.0.0.2:19081: y', ['inbound|127.0.0.2:19081']],
    ['does not take a name inside a word', 'Error adding/updating cluster(s) xa: bad', []],
    ['needs the colon after the name', 'cluster a is bad', []],
    ['points by index the way grpc-js-xds does', 'xDS response validation errors: [resource index 0: x; resource index 2: y]', ['a', 'inbound|127.0.0.2:19081']],
    ['ignores an index past the response', 'xDS response validation errors: [resource index 9: x]', []],
    ['pins nothing on an anonymous message', 'something is wrong', []],
  ];
  for (const [name, message, expected] of cases) it(name, () => expect(pick(message)).toEqual(expected));

  it('takes the only suspect whatever the message says', () => {
    expect(pick('something is wrong', [sent[3]!])).toEqual(['outbound|9080||reviews']);
  });

  it('never picks a resource that was not a suspect (the client had accepted it)', () => {
    expect(pick('Error adding/updating cluster(s) a: x', sent.slice(1))).toEqual([]);
  });
});
