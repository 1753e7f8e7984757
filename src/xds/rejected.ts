/**
 * Which resources of a NACKed response the NACK can be told to be about.
 *
 * A NACK says only that the response was rejected: `error_detail` is free text, and the client
 * applies the valid resources of a partly rejected response (envoy#32880, gRFC A46). For a
 * state-of-the-world LDS/CDS response, guessing wrong is costly: leaving a resource out of the
 * next response deletes it on the client. So a resource counts as rejected only when one of these
 * tells it apart from the rest of the response's suspects (the resources whose versions differ
 * from what the client had accepted):
 * 1. it is the only suspect;
 * 2. the message names it the way Envoy does, `<name>: <reason>` (colon and space) at the start or
 *    after a space, comma, semicolon, `[` or `(` ("Error adding/updating cluster(s) a: x, b: y");
 * 3. the message points at its position the way grpc-js-xds does, `resource index <i>:`.
 * Otherwise none is (an empty result): the caller keeps serving the set the client was sent.
 */
import type { EncodedResource } from './encoder.js';

/**
 * The suspects the NACK is about. `sent` is the rejected response's resources in the order they
 * were sent (what `resource index` counts); `suspects` is a subset of it; `message` is bounded
 * (`limits.maxErrorDetailBytes`), so the scan is cheap.
 */
export function identifyRejected(suspects: readonly EncodedResource[], sent: readonly EncodedResource[], message: string): EncodedResource[] {
  if (suspects.length <= 1) return [...suspects];
  const pointed = new Set(indexedIn(message, sent));
  return suspects.filter((r) => pointed.has(r) || namedIn(message, r.name));
}

const BOUNDARY = new Set([' ', ',', ';', '[', '(']);

/** Whether `message` contains `name: ` (or `name:` at its end) where a name starts (rule 2). */
function namedIn(message: string, name: string): boolean {
  if (name.length === 0) return false;
  for (let at = message.indexOf(name); at >= 0; at = message.indexOf(name, at + 1)) {
    const before = at === 0 || BOUNDARY.has(message[at - 1]!);
    const end = at + name.length;
    if (before && message[end] === ':' && (end + 1 === message.length || message[end + 1] === ' ')) return true;
  }
  return false;
}

/** The resources `resource index <i>:` mentions point at (rule 3). */
function indexedIn(message: string, sent: readonly EncodedResource[]): EncodedResource[] {
  const out: EncodedResource[] = [];
  for (const m of message.matchAll(/resource index (\d{1,9}):/g)) {
    const r = sent[Number(m[1])];
    if (r) out.push(r);
  }
  return out;
}
