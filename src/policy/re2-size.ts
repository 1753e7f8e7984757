/**
 * A lower bound on the size of the program RE2 compiles a pattern to (`RE2::ProgramSize()`), the
 * number Envoy compares with its `re2.max_program_size.error_level` (default 100) and NACKs a
 * regex over. No npm build of RE2 exposes the size, and Envoy compiles with Latin-1 encoding
 * (measured on Envoy 1.40: `\x{100}` is rejected there, `\pL` is 7 instructions) while the WASM
 * build compiles UTF-8, so the exact number cannot be had here. A lower bound can: every byte of
 * a literal (Latin-1 reads each UTF-8 byte of the pattern as one character), character class
 * (other than `\p{..}`, which is empty in Latin-1 for most scripts), `.` and `\d`-style class is
 * at least one instruction, a capture is two more, and RE2 expands
 * `x{n,m}` into max(n, m) copies of `x`. Alternatives count their largest branch, since RE2
 * factors common prefixes; quantifiers `*`, `+`, `?` count their operand once. The program also
 * holds a fail and a match instruction and, unless anchored at the start, a two-instruction
 * `.*?` prefix. A literal string right after a leading `^` is left out: RE2 matches such a
 * required prefix outside the program.
 *
 * Measured against Envoy 1.40 (test/policy/regex.test.ts keeps the table and checks it against a
 * real Envoy when one is installed): the bound is exact for plain literals and repeats of them and
 * below the real size elsewhere, so a pattern over the limit by this bound is certainly NACKed,
 * and one under it may still be. Only patterns RE2 has accepted are measured.
 */

interface Flags {
  readonly foldCase: boolean;
  readonly multiLine: boolean;
}

/** Parser state over a pattern's code points. */
class Scanner {
  readonly cps: string[];
  i = 0;
  constructor(pattern: string) {
    this.cps = Array.from(pattern);
  }
  peek(k = 0): string | undefined {
    return this.cps[this.i + k];
  }
  next(): string {
    return this.cps[this.i++] ?? '';
  }
  eat(s: string): boolean {
    if (this.cps.slice(this.i, this.i + s.length).join('') !== s) return false;
    this.i += s.length;
    return true;
  }
}

/** Whether literals still belong to the required prefix after a leading anchor (shared). */
interface Prefix {
  on: boolean;
}

/** The lower bound described in the module comment. `pattern` must be one RE2 accepts. */
export function programSizeLowerBound(pattern: string): number {
  const s = new Scanner(pattern);
  const prefix = { on: startsAnchored(pattern) };
  return (prefix.on ? 2 : 4) + alternation(s, { foldCase: false, multiLine: false }, prefix);
}

/**
 * `^` or `\A` first (after flag groups and non-capturing group openings), outside multi-line
 * mode: RE2 anchors the program, with no `.*?` prefix.
 */
function startsAnchored(pattern: string): boolean {
  const m = /^((?:\(\?[a-zA-Z-]*:?\)?)*)(\^|\\A)/.exec(pattern);
  return m !== null && !/\(\?[a-zA-Z]*m/.test(m[1] ?? '');
}

function alternation(s: Scanner, flags: Flags, prefix: Prefix): number {
  const scoped = { ...flags };
  let best = concat(s, scoped, prefix);
  while (s.eat('|')) {
    prefix.on = false;
    best = Math.max(best, concat(s, scoped, prefix));
  }
  return best;
}

/** A sequence up to `|` or `)`. Literals of the required prefix are left out. */
function concat(s: Scanner, flags: { foldCase: boolean; multiLine: boolean }, prefix: Prefix): number {
  let total = 0;
  while (s.peek() !== undefined && s.peek() !== '|' && s.peek() !== ')') {
    const a = atom(s, flags, prefix);
    const q = quantified(s, a.size);
    if (a.kind === 'anchor' || a.kind === 'flags') continue;
    if (prefix.on && a.kind === 'literal' && q.plain) continue;
    if (a.kind !== 'group' || !q.plain) prefix.on = false;
    total += a.extra + q.size;
  }
  return total;
}

/**
 * A parsed atom: `size` is what a following quantifier repeats, `extra` what it does not (the
 * earlier bytes of a multi-byte character or of a `\Q...\E` run: a quantifier binds to the last).
 */
type Atom = { kind: 'literal' | 'anchor' | 'flags' | 'group' | 'other'; size: number; extra: number };

const one = (kind: Atom['kind'], size: number, extra = 0): Atom => ({ kind, size, extra });

function atom(s: Scanner, flags: { foldCase: boolean; multiLine: boolean }, prefix: Prefix): Atom {
  const c = s.next();
  if (c === '(') return group(s, flags, prefix);
  if (c === '[') return skipClass(s), one('other', 1);
  if (c === '.') return one('other', 1);
  if (c === '^' || c === '$') return one('anchor', 0);
  if (c === '\\') return escape(s);
  return literal(c);
}

/** One instruction per byte: Envoy's Latin-1 RE2 sees each UTF-8 byte as a character. */
function literal(c: string): Atom {
  const bytes = Buffer.byteLength(c, 'utf8');
  return one('literal', 1, bytes - 1);
}

/** Applies a following quantifier, if any; `plain` when there was none. */
function quantified(s: Scanner, size: number): { size: number; plain: boolean } {
  const q = s.peek();
  let out: number | undefined;
  if (q === '*' || q === '+' || q === '?') {
    s.next();
    out = size;
  } else if (q === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(s.cps.slice(s.i, s.i + 16).join(''));
    if (m) {
      s.i += m[0].length;
      const n = Number(m[1]);
      const max = m[2] === undefined ? n : m[3] === '' ? Math.max(1, n) : Number(m[3]);
      out = size * Math.max(n, max);
    }
  }
  if (out === undefined) return { size, plain: true };
  s.eat('?');
  return { size: out, plain: false };
}

/** A group after its `(`; a capturing one ends the required prefix (RE2 keeps it in the program). */
function group(s: Scanner, flags: { foldCase: boolean; multiLine: boolean }, prefix: Prefix): Atom {
  let capture = true;
  let inner = { ...flags };
  if (s.eat('?')) {
    if (s.eat('P<') || s.eat('<')) {
      while (s.next() !== '>' && s.peek() !== undefined);
    } else {
      const set = readFlags(s, flags);
      if (s.eat(')')) {
        Object.assign(flags, set);
        return one('flags', 0);
      }
      s.eat(':');
      capture = false;
      inner = set;
    }
  }
  if (capture) prefix.on = false;
  const size = alternation(s, inner, prefix);
  s.eat(')');
  return one(capture ? 'other' : 'group', size + (capture ? 2 : 0));
}

/** `imsU-imsU` after `(?`, applied to a copy of `flags`. */
function readFlags(s: Scanner, flags: Flags): { foldCase: boolean; multiLine: boolean } {
  const out = { ...flags };
  let on = true;
  for (let c = s.peek(); c !== undefined && /[imsU-]/.test(c); c = s.peek()) {
    s.next();
    if (c === '-') on = false;
    else if (c === 'i') out.foldCase = on;
    else if (c === 'm') out.multiLine = on;
  }
  return out;
}

/** Skips a character class after its `[` (a leading `]` or `^]` is a literal `]`). */
function skipClass(s: Scanner): void {
  s.eat('^');
  if (s.peek() === ']') s.next();
  while (s.peek() !== undefined && s.peek() !== ']') {
    if (s.eat('[:')) while (s.peek() !== undefined && !s.eat(':]')) s.next();
    else if (s.next() === '\\') s.next();
  }
  s.eat(']');
}

function escape(s: Scanner): Atom {
  const c = s.next();
  if ('bBAz'.includes(c)) return one('anchor', 0);
  if ('dDwWsSC'.includes(c)) return one('other', 1);
  if (c === 'p' || c === 'P') return one('other', unicodeClassSize(s, c === 'P'));
  if (c === 'Q') return quoted(s);
  if (c === 'x') return skipHex(s), one('literal', 1);
  if (/[0-7]/.test(c)) {
    for (let k = 0; k < 2 && /[0-7]/.test(s.peek() ?? ''); k++) s.next();
    return one('literal', 1);
  }
  return literal(c);
}

/** Unicode classes with members in Latin-1; any other `\p` class is empty in Envoy's compile. */
const LATIN1_CLASSES = new Set(['L', 'Lu', 'Ll', 'Lo', 'N', 'Nd', 'No', 'P', 'S', 'Sm', 'Sc', 'Z', 'Zs', 'C', 'Cc', 'Latin', 'Common', 'Any']);

/** `\pX`, `\p{Name}`, `\p{^Name}` and the `\P` forms: 1 when non-empty in Latin-1, else 0. */
function unicodeClassSize(s: Scanner, negated: boolean): number {
  let name = s.next();
  if (name === '{') {
    name = '';
    while (s.peek() !== undefined && s.peek() !== '}') name += s.next();
    s.eat('}');
  }
  const neg = negated !== name.startsWith('^');
  const bare = name.replace(/^\^/, '');
  return neg ? (bare === 'Any' ? 0 : 1) : LATIN1_CLASSES.has(bare) ? 1 : 0;
}

/** `\Q...\E` (or to the end): each byte a literal; a quantifier after it takes the last byte. */
function quoted(s: Scanner): Atom {
  let bytes = 0;
  while (s.peek() !== undefined && !s.eat('\\E')) bytes += Buffer.byteLength(s.next(), 'utf8');
  return bytes === 0 ? one('flags', 0) : one('literal', 1, bytes - 1);
}

/** Skips the digits of `\xHH` or `\x{H...}` (one Latin-1 character: Envoy rejects more). */
function skipHex(s: Scanner): void {
  if (!s.eat('{')) return void (s.next(), s.next());
  while (s.peek() !== undefined && s.next() !== '}');
}
