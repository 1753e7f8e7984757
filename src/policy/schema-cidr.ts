/**
 * A CIDR range scalar (`198.18.0.0/24`, `fd00::/8`, or a bare address for one host), used by
 * AccessPolicy `from[].ipBlocks`. Yields `<address>/<prefix length>`. A range whose address has bits
 * set past the prefix (`198.18.0.10/24`) is an error naming the network it would mean: Envoy
 * silently masks those bits, so the policy would cover more than it appears to.
 */
import { isIP } from 'node:net';
import { isScalar } from 'yaml';
import { PolicyCodes } from './codes.js';
import { quote } from './excerpt.js';
import { report, typeError, type Schema } from './schema-dsl.js';

export function cidr(doc?: string): Schema<string> {
  return {
    expected: 'a CIDR range',
    json: () => ({ type: 'string', pattern: '^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$', ...(doc && { description: doc }) }),
    check(node, cx, path) {
      if (!isScalar(node) || typeof node.value !== 'string') return typeError(cx, path, node, this.expected);
      const problem = cidrProblem(node.value);
      if (problem) return report(cx, PolicyCodes.invalidFormat.code, path, node, `${quote(node.value)} ${problem}`);
      return node.value.includes('/') ? node.value : `${node.value}/${isIP(node.value) === 4 ? 32 : 128}`;
    },
  };
}

/** Why `text` is not a CIDR range, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const [address = '', len, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return 'is not a CIDR range like 10.0.0.0/8 or fd00::/8';
  const bits = family === 4 ? 32 : 128;
  if (len === undefined) return undefined;
  if (!/^[0-9]{1,3}$/.test(len) || Number(len) > bits) return `has a prefix length outside 0–${bits}`;
  const bytes = family === 4 ? address.split('.').map(Number) : ipv6Bytes(address);
  const masked = maskBytes(bytes, Number(len));
  if (masked.every((b, i) => b === bytes[i])) return undefined;
  return `has address bits set past the prefix /${len}; the range is ${formatNetwork(masked, family === 4 ? 4 : 6)}/${len}`;
}

function maskBytes(bytes: readonly number[], len: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    return b & (0xff << (8 - keep)) & 0xff;
  });
}

/** Bytes of a valid IPv6 address (isIP said so), an embedded IPv4 tail included. */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length).replace(/:$/, '') || ':';
    if (text.endsWith(':') && !text.endsWith('::')) text += ':';
  }
  const [head = '', rest] = text.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const fill = 8 - tail.length / 2 - h.length - r.length;
  const all = [...h, ...Array<string>(rest === undefined ? 0 : fill).fill('0'), ...r];
  return [...all.flatMap((g) => { const n = parseInt(g, 16); return [n >> 8, n & 0xff]; }), ...tail];
}

function formatNetwork(bytes: readonly number[], family: 4 | 6): string {
  if (family === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}
