/**
 * RE2's `Regexp::Simplify` (re2/simplify.cc) over re2-ast.ts trees, as the compiler runs it
 * before emitting instructions:
 * - coalescing: adjacent repeats of the same literal, class or `.` become one counted repeat
 *   (`a*a+` is `a{1,}`, `a+aa` is `a{3,}`);
 * - simplifying: counted repeats are expanded into copies (`x{2,4}` is `xx(x(x)?)?`), repeats of
 *   an empty match vanish, repeats of empty-width assertions are capped at one, and an empty
 *   class matches nothing.
 */
import { concat, EMPTY, equal, Flag, isRepeat, literalString, NONE, repeatOf, type Re } from './re2-ast.js';

export function simplify(re: Re): Re {
  return simplified(coalesced(re));
}

function withSubs(re: Re, subs: readonly Re[]): Re {
  if (re.op === 'cat' || re.op === 'alt') return { op: re.op, subs };
  if ('sub' in re) return { ...re, sub: subs[0]! } as Re;
  return re;
}

function childrenOf(re: Re): readonly Re[] {
  if (re.op === 'cat' || re.op === 'alt') return re.subs;
  return 'sub' in re ? [re.sub] : [];
}

const COALESCIBLE = new Set(['lit', 'cc', 'any', 'anybyte']);

function canCoalesce(r1: Re, r2: Re): boolean {
  if (!isRepeat(r1) || !COALESCIBLE.has(r1.sub.op)) return false;
  if (isRepeat(r2) && equal(r1.sub, r2.sub) && (r1.flags & Flag.nonGreedy) === (r2.flags & Flag.nonGreedy)) return true;
  if (equal(r1.sub, r2)) return true;
  const s = r1.sub;
  return s.op === 'lit' && r2.op === 'str' && r2.rs[0] === s.r && (s.flags & Flag.fold) === (r2.flags & Flag.fold);
}

/** RE2's `DoCoalesce`: the pair becomes (empty match, counted repeat) or (repeat, rest of a string). */
function coalescePair(r1: Re, r2: Re): [Re, Re] {
  if (!isRepeat(r1)) return [r1, r2];
  const bounds = { star: [0, -1], plus: [1, -1], quest: [0, 1], rep: [r1.op === 'rep' ? r1.min : 0, r1.op === 'rep' ? r1.max : 0] }[r1.op];
  let [min, max] = bounds as [number, number];
  const inc = (n: number) => { min += n; if (max !== -1) max += n; };
  if (r2.op === 'star') max = -1;
  else if (r2.op === 'plus') { min++; max = -1; }
  else if (r2.op === 'quest') { if (max !== -1) max++; }
  else if (r2.op === 'rep') { min += r2.min; max = r2.max === -1 ? -1 : max === -1 ? -1 : max + r2.max; }
  else if (r2.op === 'str') {
    const r = (r1.sub as { r: number }).r;
    let n = 1;
    while (n < r2.rs.length && r2.rs[n] === r) n++;
    inc(n);
    const nre: Re = { op: 'rep', flags: r1.flags, min, max, sub: r1.sub };
    return n === r2.rs.length ? [EMPTY, nre] : [nre, literalString(r2.rs.slice(n), r2.flags)];
  } else inc(1);
  return [EMPTY, { op: 'rep', flags: r1.flags, min, max, sub: r1.sub }];
}

function coalesced(re: Re): Re {
  const kids = childrenOf(re).map(coalesced);
  if (re.op !== 'cat') return kids.length ? withSubs(re, kids) : re;
  if (!kids.some((k, i) => i + 1 < kids.length && canCoalesce(k, kids[i + 1]!))) return withSubs(re, kids);
  for (let i = 0; i + 1 < kids.length; i++) {
    if (canCoalesce(kids[i]!, kids[i + 1]!)) [kids[i], kids[i + 1]] = coalescePair(kids[i]!, kids[i + 1]!);
  }
  return { op: 'cat', subs: kids.filter((k) => k.op !== 'empty') };
}

function simplified(re: Re): Re {
  switch (re.op) {
    case 'cat': case 'alt': return { op: re.op, subs: re.subs.map(simplified) };
    case 'cap': return { ...re, sub: simplified(re.sub) };
    case 'star': case 'plus': case 'quest': {
      const sub = simplified(re.sub);
      if (sub.op === 'empty') return sub;
      if (sub.op === re.op && sub.flags === re.flags && sub !== re.sub) return sub;
      return { ...re, sub };
    }
    case 'rep': {
      const sub = simplified(re.sub);
      return sub.op === 'empty' ? sub : expandRepeat(sub, re.min, re.max, re.flags);
    }
    case 'cc': return re.ranges.length === 0 ? NONE : re;
    default: return re;
  }
}

const EMPTY_WIDTH = new Set(['bol', 'eol', 'wb', 'nwb', 'bot', 'eot']);

/** RE2's `SimplifyRepeat`. */
function expandRepeat(re: Re, min: number, max: number, f: number): Re {
  if (EMPTY_WIDTH.has(re.op) || ((re.op === 'cat' || re.op === 'alt') && re.subs.every((s) => EMPTY_WIDTH.has(s.op)))) {
    min = Math.min(min, 1);
    max = Math.min(max, 1);
  }
  if (max === -1) {
    if (min === 0) return repeatOf('star', re, f);
    if (min === 1) return repeatOf('plus', re, f);
    return concat([...Array.from({ length: min - 1 }, () => re), repeatOf('plus', re, f)]);
  }
  if (min === 0 && max === 0) return EMPTY;
  if (min === 1 && max === 1) return re;
  let nre: Re | undefined = min > 0 ? concat(Array.from({ length: min }, () => re)) : undefined;
  if (max > min) {
    let suf = repeatOf('quest', re, f);
    for (let i = min + 1; i < max; i++) suf = repeatOf('quest', { op: 'cat', subs: [re, suf] }, f);
    nre = nre ? { op: 'cat', subs: [nre, suf] } : suf;
  }
  return nre ?? NONE;
}
