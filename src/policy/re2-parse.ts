/**
 * Parses a pattern into the tree RE2's parser builds (re2/parse.cc) with the options Envoy uses:
 * Perl syntax (`LikePerl`), Latin-1 encoding (each UTF-8 byte of the pattern is one rune), no
 * case folding unless `(?i)`. The tree is what RE2 has after parsing, including what its parser
 * already rewrites: adjacent literals joined into strings, one-rune classes turned into literals,
 * `[Aa]` into a case-folded literal, `**`-style repeats squashed, nested groups flattened, `.`
 * subsuming alternatives, and alternations factored (re2-factor.ts).
 *
 * Only patterns RE2 accepts are given here (regex.ts compiles them with the real RE2 first); on
 * anything else the result is unspecified but finite.
 */
import { alternate, concat, Flag, foldTable, fromTable, toTable, type Re, type RepeatOp } from './re2-ast.js';
import { addGroup, PERL, POSIX, spec, unicodeGroup } from './re2-classes.js';
import { factorAlternation } from './re2-factor.js';

interface Group { flags: number }

export class Re2Parser {
  private readonly b: number[];
  private i = 0;
  private ncap = 0;

  constructor(pattern: string) {
    this.b = [...Buffer.from(pattern, 'utf8')];
  }

  parse(flags: number): Re {
    return this.alternation({ flags });
  }

  private peek(k = 0): number | undefined {
    return this.b[this.i + k];
  }
  private at(s: string): boolean {
    for (let k = 0; k < s.length; k++) if (this.b[this.i + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  /** Alternatives up to `)` or the end; `g.flags` changes with `(?i)` and lasts to the group's end. */
  private alternation(g: Group): Re {
    const alts: Re[] = [];
    for (;;) {
      const r1 = this.concatenation(g);
      const r3 = alts[alts.length - 1];
      const simple = (r: Re) => r.op === 'lit' || r.op === 'cc' || r.op === 'any';
      if (r3?.op === 'any' && simple(r1)) {
        // `.` subsumes the alternative after it
      } else if (r1.op === 'any' && r3 && simple(r3)) alts[alts.length - 1] = r1;
      else alts.push(r1);
      if (this.peek() !== 0x7c) break;
      this.i++;
    }
    if (alts.length === 1) return alts[0]!;
    return alternate(factorAlternation(alts.flatMap((a) => (a.op === 'alt' ? a.subs : [a]))));
  }

  private concatenation(g: Group): Re {
    const items: Re[] = [];
    for (let c = this.peek(); c !== undefined && c !== 0x7c && c !== 0x29; c = this.peek()) {
      if (c === 0x2a || c === 0x2b || c === 0x3f) this.repeatOp(items, g, c === 0x2a ? 'star' : c === 0x2b ? 'plus' : 'quest');
      else if (c === 0x7b && this.counted(items, g)) continue;
      else this.atom(items, g);
    }
    return concat(joinLiterals(items).flatMap((r) => (r.op === 'cat' ? r.subs : [r])));
  }

  private atom(items: Re[], g: Group): void {
    const c = this.b[this.i++]!;
    const f = g.flags;
    if (c === 0x28) return this.group(items, g);
    if (c === 0x5b) return push(items, this.charClass(f), f);
    if (c === 0x2e) return push(items, f & Flag.dotNL ? { op: 'any' } : { op: 'cc', ranges: [[0, 9], [11, 255]] }, f);
    if (c === 0x5e) return void items.push({ op: f & Flag.oneLine ? 'bot' : 'bol' });
    if (c === 0x24) return void items.push(f & Flag.oneLine ? { op: 'eot', dollar: true } : { op: 'eol' });
    if (c !== 0x5c) return literal(items, c, f);
    const e = String.fromCharCode(this.b[this.i] ?? 0);
    const simple: Record<string, Re> = { b: { op: 'wb' }, B: { op: 'nwb' }, A: { op: 'bot' }, z: { op: 'eot', dollar: false }, C: { op: 'anybyte' } };
    if (simple[e]) return void (this.i++, items.push(simple[e]));
    if (e === 'Q') {
      this.i++;
      while (this.peek() !== undefined && !this.at('\\E')) literal(items, this.b[this.i++]!, f);
      if (this.at('\\E')) this.i += 2;
      return;
    }
    const t = new Array<boolean>(256).fill(false);
    if (this.classEscape(t, f)) return push(items, { op: 'cc', ranges: fromTable(t) }, f);
    literal(items, this.escape(), f);
  }

  /** `\d`-style and `\p` classes into `t`; false (nothing consumed) when the escape is neither. */
  private classEscape(t: boolean[], f: number): boolean {
    const e = String.fromCharCode(this.b[this.i] ?? 0);
    if (PERL[e.toLowerCase()]) {
      this.i++;
      addGroup(t, spec(PERL[e.toLowerCase()]!), e !== e.toLowerCase(), f);
      return true;
    }
    if (e !== 'p' && e !== 'P') return false;
    this.i++;
    let name = String.fromCharCode(this.b[this.i++] ?? 0);
    if (name === '{') {
      name = '';
      while (this.peek() !== undefined && this.peek() !== 0x7d) name += String.fromCharCode(this.b[this.i++]!);
      this.i++;
    }
    const negated = (e === 'P') !== name.startsWith('^');
    addGroup(t, unicodeGroup(name.replace(/^\^/, '')), negated, f);
    return true;
  }

  /** One escaped rune after the backslash (octal, `\x`, control letters, punctuation). */
  private escape(): number {
    const c = String.fromCharCode(this.b[this.i++] ?? 0);
    if (/[0-7]/.test(c)) {
      let code = Number(c);
      for (let k = 0; k < 2 && /[0-7]/.test(String.fromCharCode(this.peek() ?? 0)); k++) code = code * 8 + Number(String.fromCharCode(this.b[this.i++]!));
      return code;
    }
    if (c === 'x') {
      let hex = '';
      if (this.peek() === 0x7b) {
        this.i++;
        while (this.peek() !== undefined && this.peek() !== 0x7d) hex += String.fromCharCode(this.b[this.i++]!);
        this.i++;
      } else hex = String.fromCharCode(this.b[this.i++] ?? 0x30, this.b[this.i++] ?? 0x30);
      return parseInt(hex, 16);
    }
    const named: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, f: 12, v: 11 };
    return named[c] ?? c.charCodeAt(0);
  }

  /** `[...]` after its `[`: RE2's `ParseCharClass` (explicit ranges are never case-split). */
  private charClass(f: number): Re {
    const t = new Array<boolean>(256).fill(false);
    const negated = this.peek() === 0x5e;
    if (negated) this.i++;
    let first = true;
    while (this.peek() !== undefined && (this.peek() !== 0x5d || first)) {
      first = false;
      if (this.at('[:')) {
        const end = this.b.indexOf(0x5d, this.i + 2);
        const name = String.fromCharCode(...this.b.slice(this.i + 2, end - 1));
        const neg = name.startsWith('^');
        const def = POSIX[neg ? name.slice(1) : name];
        if (def && this.b[end - 1] === 0x3a) {
          this.i = end + 1;
          addGroup(t, spec(def), neg, f);
          continue;
        }
      }
      if (this.peek() === 0x5c) {
        this.i++;
        if (this.classEscape(t, f)) continue;
        this.i--;
      }
      const lo = this.classChar();
      const hi = this.peek() === 0x2d && this.peek(1) !== 0x5d && this.peek(1) !== undefined ? (this.i++, this.classChar()) : lo;
      const range = new Array<boolean>(256).fill(false);
      for (let c = lo; c <= Math.min(hi, 255); c++) range[c] = true;
      addGroup(t, range, false, f);
    }
    this.i++;
    return { op: 'cc', ranges: fromTable(negated ? t.map((x) => !x) : t) };
  }

  private classChar(): number {
    const c = this.b[this.i++]!;
    return c === 0x5c ? this.escape() : c;
  }

  /** `(`...`)`, `(?flags)`, `(?flags:...)`, `(?P<name>...)`, `(?<name>...)` after the `(`. */
  private group(items: Re[], g: Group): void {
    let capture = true;
    const inner: Group = { flags: g.flags };
    if (this.peek() === 0x3f) {
      this.i++;
      if (this.at('P<') || this.at('<')) {
        while (this.b[this.i++] !== 0x3e && this.i < this.b.length);
      } else {
        const flags = this.flagGroup(g.flags);
        if (this.b[this.i++] === 0x29) return void (g.flags = flags);
        capture = false;
        inner.flags = flags;
      }
    }
    const cap = capture ? ++this.ncap : 0;
    const sub = this.alternation(inner);
    this.i++;
    push(items, capture ? { op: 'cap', cap, sub } : sub, g.flags);
  }

  /** `imsU-imsU` after `(?`: the flags they give. */
  private flagGroup(flags: number): number {
    let on = true;
    for (let c = String.fromCharCode(this.peek() ?? 0); /[imsU-]/.test(c); c = String.fromCharCode(this.peek() ?? 0)) {
      this.i++;
      if (c === '-') {
        on = false;
        continue;
      }
      const bit = c === 'i' ? Flag.fold : c === 's' ? Flag.dotNL : c === 'U' ? Flag.nonGreedy : Flag.oneLine;
      // `m` is multi-line: it clears RE2's OneLine.
      const set = c === 'm' ? !on : on;
      flags = set ? flags | bit : flags & ~bit;
    }
    return flags;
  }

  /** RE2's `PushRepeatOp`, with its squashing of `**`, `*+`, `+?` and the like. */
  private repeatOp(items: Re[], g: Group, op: RepeatOp): void {
    this.i++;
    const fl = this.peek() === 0x3f ? (this.i++, g.flags ^ Flag.nonGreedy) : g.flags;
    const top = items.pop()!;
    if (top.op === op && top.flags === fl) return void items.push(top);
    if ((top.op === 'star' || top.op === 'plus' || top.op === 'quest') && top.flags === fl) return void items.push({ ...top, op: 'star' });
    items.push({ op, flags: fl, sub: top });
  }

  /** `{n}`, `{n,}`, `{n,m}` (RE2's `MaybeParseRepetition`); false when `{` is a literal. */
  private counted(items: Re[], g: Group): boolean {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(String.fromCharCode(...this.b.slice(this.i, this.i + 24)));
    if (!m) return false;
    this.i += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    const fl = this.peek() === 0x3f ? (this.i++, g.flags ^ Flag.nonGreedy) : g.flags;
    items.push({ op: 'rep', flags: fl, min, max, sub: items.pop()! });
    return true;
  }
}

/** RE2's `PushLiteral` in Latin-1: a folded ASCII letter is `[Aa]`, which `push` makes a literal. */
function literal(items: Re[], r: number, f: number): void {
  const letter = (r >= 65 && r <= 90) || (r >= 97 && r <= 122);
  if (f & Flag.fold && letter) return push(items, { op: 'cc', ranges: fromTable(foldTable(toTable([[r, r]]))) }, f);
  items.push({ op: 'lit', r, flags: f });
}

/** RE2's `PushRegexp`: a one-rune class is a literal, `[Aa]` a case-folded `a`. */
function push(items: Re[], re: Re, f: number): void {
  if (re.op === 'cc') {
    const [a, b] = re.ranges;
    if (re.ranges.length === 1 && a![0] === a![1]) return void items.push({ op: 'lit', r: a![0], flags: f });
    if (re.ranges.length === 2 && a![0] === a![1] && b![0] === b![1] && a![0] >= 65 && a![0] <= 90 && b![0] === a![0] + 32) {
      return void items.push({ op: 'lit', r: b![0], flags: f | Flag.fold });
    }
  }
  items.push(re);
}

/** RE2's `MaybeConcatString`: adjacent literals and strings of equal case folding are one string. */
function joinLiterals(items: readonly Re[]): Re[] {
  const out: Re[] = [];
  for (const re of items) {
    const prev = out[out.length - 1];
    if (prev && (prev.op === 'lit' || prev.op === 'str') && (re.op === 'lit' || re.op === 'str') && (prev.flags & Flag.fold) === (re.flags & Flag.fold)) {
      const runes = (r: typeof re) => (r.op === 'lit' ? [r.r] : r.rs);
      out[out.length - 1] = { op: 'str', rs: [...runes(prev), ...runes(re)], flags: prev.flags };
    } else out.push(re);
  }
  return out;
}
