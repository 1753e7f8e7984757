/**
 * The regexp tree of the RE2 model used to size programs the way Envoy's RE2 compiles them
 * (re2-size.ts). Node kinds follow RE2's `RegexpOp`s; runes are Latin-1 bytes (0..255), since
 * Envoy compiles with Latin-1 encoding. Trees are immutable values: every rewrite builds new nodes.
 */

/** RE2 parse flags that change what a tree compiles to or how nodes compare. */
export const Flag = { fold: 1, nonGreedy: 2, dotNL: 4, oneLine: 8 } as const;

/** Sorted, disjoint, non-adjacent inclusive ranges within 0..255. */
export type Ranges = readonly (readonly [number, number])[];

export type Re =
  | { readonly op: 'lit'; readonly r: number; readonly flags: number }
  | { readonly op: 'str'; readonly rs: readonly number[]; readonly flags: number }
  | { readonly op: 'cc'; readonly ranges: Ranges }
  | { readonly op: 'any' | 'anybyte' | 'empty' | 'none' | 'bol' | 'eol' | 'bot' | 'wb' | 'nwb' }
  | { readonly op: 'eot'; readonly dollar: boolean }
  | { readonly op: 'cap'; readonly cap: number; readonly sub: Re }
  | { readonly op: 'star' | 'plus' | 'quest'; readonly flags: number; readonly sub: Re }
  | { readonly op: 'rep'; readonly flags: number; readonly min: number; readonly max: number; readonly sub: Re }
  | { readonly op: 'cat' | 'alt'; readonly subs: readonly Re[] };

export type RepeatOp = 'star' | 'plus' | 'quest';
export const isRepeat = (re: Re): re is Extract<Re, { op: RepeatOp | 'rep' }> => re.op === 'star' || re.op === 'plus' || re.op === 'quest' || re.op === 'rep';

export const EMPTY: Re = { op: 'empty' };
export const NONE: Re = { op: 'none' };

/** RE2's `LiteralString`: empty match, one literal, or a string. */
export function literalString(rs: readonly number[], flags: number): Re {
  if (rs.length === 0) return EMPTY;
  if (rs.length === 1) return { op: 'lit', r: rs[0]!, flags };
  return { op: 'str', rs, flags };
}

/** RE2's `ConcatOrAlternate` without factoring: one sub is itself, none is empty/no match. */
export function concat(subs: readonly Re[]): Re {
  return subs.length === 1 ? subs[0]! : subs.length === 0 ? EMPTY : { op: 'cat', subs };
}
export function alternate(subs: readonly Re[]): Re {
  return subs.length === 1 ? subs[0]! : subs.length === 0 ? NONE : { op: 'alt', subs };
}

/** RE2's `StarPlusOrQuest`: `x**` is `x*`, and any two of `*+?` with equal flags are `*`. */
export function repeatOf(op: RepeatOp, sub: Re, flags: number): Re {
  if (sub.op === op && sub.flags === flags) return sub;
  if ((sub.op === 'star' || sub.op === 'plus' || sub.op === 'quest') && sub.flags === flags) {
    return sub.op === 'star' ? sub : { op: 'star', flags, sub: sub.sub };
  }
  return { op, flags, sub };
}

/** RE2's `Regexp::Equal` (structural, comparing the flags RE2's `TopEqual` compares). */
export function equal(a: Re, b: Re): boolean {
  if (a.op !== b.op) return false;
  switch (a.op) {
    case 'lit': { const o = b as typeof a; return a.r === o.r && (a.flags & Flag.fold) === (o.flags & Flag.fold); }
    case 'str': { const o = b as typeof a; return (a.flags & Flag.fold) === (o.flags & Flag.fold) && a.rs.length === o.rs.length && a.rs.every((r, i) => r === o.rs[i]); }
    case 'cc': { const o = b as typeof a; return a.ranges.length === o.ranges.length && a.ranges.every((r, i) => r[0] === o.ranges[i]![0] && r[1] === o.ranges[i]![1]); }
    case 'eot': return a.dollar === (b as typeof a).dollar;
    case 'cap': { const o = b as typeof a; return a.cap === o.cap && equal(a.sub, o.sub); }
    case 'star': case 'plus': case 'quest': { const o = b as typeof a; return (a.flags & Flag.nonGreedy) === (o.flags & Flag.nonGreedy) && equal(a.sub, o.sub); }
    case 'rep': { const o = b as typeof a; return (a.flags & Flag.nonGreedy) === (o.flags & Flag.nonGreedy) && a.min === o.min && a.max === o.max && equal(a.sub, o.sub); }
    case 'cat': case 'alt': { const o = b as typeof a; return a.subs.length === o.subs.length && a.subs.every((s, i) => equal(s, o.subs[i]!)); }
    default: return true;
  }
}

/** Ranges as a 256-entry membership table and back. */
export function toTable(ranges: Ranges): boolean[] {
  const t = new Array<boolean>(256).fill(false);
  for (const [lo, hi] of ranges) for (let c = lo; c <= Math.min(hi, 255); c++) t[c] = true;
  return t;
}
export function fromTable(t: readonly boolean[]): [number, number][] {
  const out: [number, number][] = [];
  for (let c = 0; c < 256; c++) {
    if (!t[c]) continue;
    const last = out[out.length - 1];
    if (last && last[1] === c - 1) last[1] = c;
    else out.push([c, c]);
  }
  return out;
}

/** Latin-1 case folding as RE2 does it in Latin-1 mode: ASCII letters only. */
export function foldTable(t: readonly boolean[]): boolean[] {
  const out = [...t];
  for (let c = 65; c <= 90; c++) if (t[c] || t[c + 32]) out[c] = out[c + 32] = true;
  return out;
}
