/**
 * RE2's `FactorAlternation` (re2/parse.cc), which the parser applies to every alternation, as
 * pure functions over re2-ast.ts trees. Three rounds, each over runs of consecutive alternatives:
 * 1. a common leading literal string is taken out: `abc|abd` is `ab(?:c|d)`;
 * 2. a common leading piece of a few simple kinds (classes, anchors, `.`, fixed repeats of those)
 *    is taken out: `[a-z]x|[a-z]y` is `[a-z](?:x|y)`;
 * 3. runs of literals and classes become one class: `a|b|[0-9]` is `[0-9ab]`.
 * The suffixes of rounds 1 and 2 are factored again (all rounds), as RE2 does.
 */
import { concat, equal, EMPTY, Flag, foldTable, fromTable, literalString, toTable, type Re } from './re2-ast.js';

export function factorAlternation(subs: readonly Re[]): Re[] {
  return round3(round2(round1(subs)));
}

/** The alternation of already factored suffixes (RE2's `AlternateNoFactor`). */
function alternateNoFactor(subs: readonly Re[]): Re {
  return subs.length === 1 ? subs[0]! : { op: 'alt', subs };
}

/** Runs [start, end) of at least two alternatives that `same` groups, as RE2 scans them. */
function runs<T>(subs: readonly Re[], keyOf: (re: Re) => T, extend: (run: T, next: T) => T | undefined): { start: number; end: number; key: T }[] {
  const out: { start: number; end: number; key: T }[] = [];
  let start = 0;
  let key = subs.length > 0 ? keyOf(subs[0]!) : undefined;
  for (let i = 1; i <= subs.length; i++) {
    const next = i < subs.length ? extend(key as T, keyOf(subs[i]!)) : undefined;
    if (next !== undefined) {
      key = next;
      continue;
    }
    if (i - start >= 2) out.push({ start, end: i, key: key as T });
    if (i < subs.length) {
      start = i;
      key = keyOf(subs[i]!);
    }
  }
  return out;
}

function splice(subs: readonly Re[], found: { start: number; end: number }[], make: (run: readonly Re[], k: number) => Re): Re[] {
  const out: Re[] = [];
  let i = 0;
  found.forEach((r, k) => {
    out.push(...subs.slice(i, r.start), make(subs.slice(r.start, r.end), k));
    i = r.end;
  });
  return [...out, ...subs.slice(i)];
}

// Round 1: common leading literal strings.

interface Leading { readonly runes: readonly number[]; readonly fold: number }

function leadingString(re: Re): Leading {
  while (re.op === 'cat' && re.subs.length > 0) re = re.subs[0]!;
  if (re.op === 'lit') return { runes: [re.r], fold: re.flags & Flag.fold };
  if (re.op === 'str') return { runes: re.rs, fold: re.flags & Flag.fold };
  return { runes: [], fold: 'flags' in re ? re.flags & Flag.fold : 0 };
}

function commonPrefix(a: Leading, b: Leading): Leading | undefined {
  if (a.fold !== b.fold) return undefined;
  let same = 0;
  while (same < a.runes.length && same < b.runes.length && a.runes[same] === b.runes[same]) same++;
  return same > 0 ? { runes: a.runes.slice(0, same), fold: a.fold } : undefined;
}

/** RE2's `RemoveLeadingString`. */
function removeLeadingString(re: Re, n: number): Re {
  if (re.op === 'cat' && re.subs.length > 0) {
    const first = removeLeadingString(re.subs[0]!, n);
    if (first.op !== 'empty') return { op: 'cat', subs: [first, ...re.subs.slice(1)] };
    return re.subs.length === 2 ? re.subs[1]! : { op: 'cat', subs: re.subs.slice(1) };
  }
  if (re.op === 'lit') return EMPTY;
  if (re.op === 'str') return n >= re.rs.length ? EMPTY : literalString(re.rs.slice(n), re.flags);
  return re;
}

function round1(subs: readonly Re[]): Re[] {
  const found = runs(subs, leadingString, commonPrefix);
  return splice(subs, found, (run, k) => {
    const { runes, fold } = found[k]!.key;
    const suffixes = factorAlternation(run.map((re) => removeLeadingString(re, runes.length)));
    return concat([literalString(runes, fold), alternateNoFactor(suffixes)]);
  });
}

// Round 2: a common simple leading piece.

/** RE2's `LeadingRegexp`; undefined for an empty match (or a concatenation starting with one). */
function leadingRegexp(re: Re): Re | undefined {
  if (re.op === 'empty') return undefined;
  if (re.op === 'cat' && re.subs.length >= 2) return re.subs[0]!.op === 'empty' ? undefined : re.subs[0];
  return re;
}

function removeLeadingRegexp(re: Re): Re {
  if (re.op === 'empty') return re;
  if (re.op === 'cat' && re.subs.length >= 2) {
    if (re.subs[0]!.op === 'empty') return re;
    return re.subs.length === 2 ? re.subs[1]! : { op: 'cat', subs: re.subs.slice(1) };
  }
  return EMPTY;
}

const SIMPLE_LEAD = new Set(['bol', 'eol', 'wb', 'nwb', 'bot', 'eot', 'cc', 'any', 'anybyte']);
const SIMPLE_REPEATED = new Set(['lit', 'cc', 'any', 'anybyte']);

function factorable(re: Re): boolean {
  return SIMPLE_LEAD.has(re.op) || (re.op === 'rep' && re.min === re.max && SIMPLE_REPEATED.has(re.sub.op));
}

function round2(subs: readonly Re[]): Re[] {
  const found = runs<Re | undefined>(subs, leadingRegexp, (first, next) => (first && next && factorable(first) && equal(first, next) ? first : undefined));
  return splice(subs, found, (run, k) => {
    const suffixes = factorAlternation(run.map(removeLeadingRegexp));
    return concat([found[k]!.key!, alternateNoFactor(suffixes)]);
  });
}

// Round 3: literals and classes merged into one class.

function round3(subs: readonly Re[]): Re[] {
  const mergeable = (re: Re) => re.op === 'lit' || re.op === 'cc';
  const found = runs<boolean>(subs, mergeable, (first, next) => (first && next ? true : undefined));
  return splice(subs, found, (run) => {
    const t = new Array<boolean>(256).fill(false);
    for (const re of run) {
      const own = re.op === 'cc' ? toTable(re.ranges) : toTable([[(re as { r: number }).r, (re as { r: number }).r]]);
      const add = re.op === 'lit' && re.flags & Flag.fold ? foldTable(own) : own;
      add.forEach((x, c) => (t[c] ||= x));
    }
    return { op: 'cc', ranges: fromTable(t) };
  });
}
