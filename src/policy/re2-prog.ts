/**
 * RE2's compiler (re2/compile.cc) for Latin-1, followed by `Prog::Optimize` and `Prog::Flatten`
 * (re2/prog.cc), only as far as the number of instructions goes: `programSize` is what
 * `RE2::ProgramSize()` returns, the number Envoy compares with `re2.max_program_size`.
 *
 * Instructions are allocated in the order RE2 allocates them (children before their parent, left
 * to right), because Flatten's choice of list roots depends on instruction numbers.
 */
import type { Re } from './re2-ast.js';

type Op = 'fail' | 'match' | 'byte' | 'alt' | 'altmatch' | 'nop' | 'cap' | 'empty';
interface Inst { op: Op; out: number; out1: number; lo?: number; hi?: number }
/** A hole to patch: instruction `id`, its `out` (0) or `out1` (1). */
type Hole = readonly [number, 0 | 1];
interface Frag { readonly begin: number; readonly end: readonly Hole[]; readonly nullable: boolean }

const NO_MATCH: Frag = { begin: 0, end: [], nullable: false };

class Compiler {
  readonly inst: Inst[] = [{ op: 'fail', out: 0, out1: 0 }];

  private alloc(op: Op, lo?: number, hi?: number): number {
    this.inst.push({ op, out: 0, out1: 0, ...(lo === undefined ? {} : { lo, hi }) });
    return this.inst.length - 1;
  }
  private patch(holes: readonly Hole[], to: number): void {
    for (const [id, k] of holes) this.inst[id]![k === 0 ? 'out' : 'out1'] = to;
  }

  cat(a: Frag, b: Frag): Frag {
    if (a.begin === 0 || b.begin === 0) return NO_MATCH;
    const first = this.inst[a.begin]!;
    if (first.op === 'nop' && a.end.length > 0 && a.end[0]![0] === a.begin && a.end[0]![1] === 0 && first.out === 0) {
      this.patch(a.end, b.begin);
      return b;
    }
    this.patch(a.end, b.begin);
    return { begin: a.begin, end: b.end, nullable: a.nullable && b.nullable };
  }
  alt(a: Frag, b: Frag): Frag {
    if (a.begin === 0) return b;
    if (b.begin === 0) return a;
    const id = this.alloc('alt');
    Object.assign(this.inst[id]!, { out: a.begin, out1: b.begin });
    return { begin: id, end: [...a.end, ...b.end], nullable: a.nullable || b.nullable };
  }
  /** The loop instruction of `*`, `+`, `?`: greedy prefers `out`, non-greedy `out1`. */
  private loop(a: Frag, ng: boolean): { id: number; exit: Hole } {
    const id = this.alloc('alt');
    this.inst[id]![ng ? 'out1' : 'out'] = a.begin;
    return { id, exit: [id, ng ? 0 : 1] };
  }
  plus(a: Frag, ng: boolean): Frag {
    const { id, exit } = this.loop(a, ng);
    this.patch(a.end, id);
    return { begin: a.begin, end: [exit], nullable: a.nullable };
  }
  star(a: Frag, ng: boolean): Frag {
    // A nullable operand is compiled as (a+)? so that priorities stay right (RE2 does the same).
    if (a.nullable) return this.quest(this.plus(a, ng), ng);
    const { id, exit } = this.loop(a, ng);
    this.patch(a.end, id);
    return { begin: id, end: [exit], nullable: true };
  }
  quest(a: Frag, ng: boolean): Frag {
    if (a.begin === 0) return this.nop();
    const { id, exit } = this.loop(a, ng);
    return { begin: id, end: [exit, ...a.end], nullable: true };
  }
  byteRange(lo: number, hi: number): Frag {
    const id = this.alloc('byte', lo, hi);
    return { begin: id, end: [[id, 0]], nullable: false };
  }
  nop(): Frag {
    const id = this.alloc('nop');
    return { begin: id, end: [[id, 0]], nullable: true };
  }
  emptyWidth(): Frag {
    const id = this.alloc('empty');
    return { begin: id, end: [[id, 0]], nullable: true };
  }
  match(): Frag {
    return { begin: this.alloc('match'), end: [], nullable: false };
  }
  capture(a: Frag): Frag {
    if (a.begin === 0) return NO_MATCH;
    const id = this.alloc('cap');
    const close = this.alloc('cap');
    this.inst[id]!.out = a.begin;
    this.patch(a.end, close);
    return { begin: id, end: [[close, 0]], nullable: a.nullable };
  }
  /** A class as an alternation of byte ranges (RE2's Latin-1 `AddRuneRangeLatin1`/`AddSuffix`). */
  charClass(ranges: readonly (readonly [number, number])[]): Frag {
    const has = (c: number) => ranges.some(([lo, hi]) => lo <= c && c <= hi);
    let foldsAscii = true;
    for (let c = 65; c <= 90; c++) if (has(c) !== has(c + 32)) foldsAscii = false;
    let begin = 0;
    const end: Hole[] = [];
    for (const [lo, hi] of ranges) {
      if (foldsAscii && lo >= 65 && hi <= 90) continue;
      if (lo > 0xff) continue;
      const id = this.alloc('byte', lo, Math.min(hi, 0xff));
      end.push([id, 0]);
      if (begin === 0) begin = id;
      else {
        const a = this.alloc('alt');
        Object.assign(this.inst[a]!, { out: begin, out1: id });
        begin = a;
      }
    }
    return { begin, end, nullable: false };
  }

  /** Post-order walk, as RE2's `Compiler::PostVisit`. */
  walk(re: Re): Frag {
    switch (re.op) {
      case 'none': return NO_MATCH;
      case 'empty': return this.nop();
      case 'cat': return re.subs.length === 0 ? this.nop() : re.subs.map((s) => this.walk(s)).reduce((f, g) => this.cat(f, g));
      case 'alt': return re.subs.map((s) => this.walk(s)).reduce((f, g) => this.alt(f, g));
      case 'star': return this.star(this.walk(re.sub), (re.flags & 2) !== 0);
      case 'plus': return this.plus(this.walk(re.sub), (re.flags & 2) !== 0);
      case 'quest': return this.quest(this.walk(re.sub), (re.flags & 2) !== 0);
      case 'lit': return this.byteRange(re.r, re.r);
      case 'str': return re.rs.map((r) => this.byteRange(r, r)).reduce((f, g) => this.cat(f, g));
      case 'any': return this.charClass([[0, 0x10ffff]]);
      case 'anybyte': return this.byteRange(0, 0xff);
      case 'cc': return re.ranges.length === 0 ? NO_MATCH : this.charClass(re.ranges);
      case 'cap': return this.capture(this.walk(re.sub));
      case 'rep': return NO_MATCH;
      default: return this.emptyWidth();
    }
  }
}

/** RE2's `IsAnchorStart`/`IsAnchorEnd`: a leading `\A` (trailing `\z`) is removed and reported. */
function stripAnchor(re: Re, end: boolean, depth = 0): Re | undefined {
  if (depth >= 4) return undefined;
  if (re.op === 'cat' && re.subs.length > 0) {
    const k = end ? re.subs.length - 1 : 0;
    const sub = stripAnchor(re.subs[k]!, end, depth + 1);
    return sub && { op: 'cat', subs: re.subs.map((s, i) => (i === k ? sub : s)) };
  }
  if (re.op === 'cap') {
    const sub = stripAnchor(re.sub, end, depth + 1);
    return sub && { ...re, sub };
  }
  return re.op === (end ? 'eot' : 'bot') ? { op: 'empty' } : undefined;
}

/** The size of the flattened program RE2 compiles the simplified tree `sre` to. */
export function programSize(sre: Re): number {
  const c = new Compiler();
  const start = stripAnchor(sre, false);
  const anchoredStart = start !== undefined;
  const body = stripAnchor(start ?? sre, true) ?? start ?? sre;
  let all = c.cat(c.walk(body), c.match());
  const startId = all.begin;
  if (!anchoredStart) all = c.cat(c.star(c.byteRange(0, 0xff), true), all);
  if (startId === 0 && all.begin === 0) return 1;
  optimize(c.inst, startId);
  return flattenSize(c.inst, all.begin, startId);
}


/** `Prog::Optimize`: outs skip no-ops; `.*` loops before a match become AltMatch. */
function optimize(inst: Inst[], start: number): void {
  const skip = (j: number) => {
    while (j !== 0 && inst[j]!.op === 'nop') j = inst[j]!.out;
    return j;
  };
  const queue = (first: number, visit: (id: number, add: (j: number) => void) => void) => {
    const seen = new Set<number>();
    const q: number[] = [];
    const add = (j: number) => { if (j !== 0 && !seen.has(j)) { seen.add(j); q.push(j); } };
    add(first);
    for (let k = 0; k < q.length; k++) visit(q[k]!, add);
  };
  queue(start, (id, add) => {
    const ip = inst[id]!;
    ip.out = skip(ip.out);
    add(ip.out);
    if (ip.op === 'alt') add((ip.out1 = skip(ip.out1)));
  });
  const isMatch = (id: number): boolean => {
    for (let ip = inst[id]!; ; ip = inst[ip.out]!) {
      if (ip.op === 'match') return true;
      if (ip.op !== 'cap' && ip.op !== 'nop') return false;
    }
  };
  const anyLoop = (j: number, id: number) => inst[j]!.op === 'byte' && inst[j]!.out === id && inst[j]!.lo === 0 && inst[j]!.hi === 0xff;
  queue(start, (id, add) => {
    const ip = inst[id]!;
    add(ip.out);
    if (ip.op === 'alt') add(ip.out1);
    if (ip.op === 'alt' && ((anyLoop(ip.out, id) && isMatch(ip.out1)) || (isMatch(ip.out) && anyLoop(ip.out1, id)))) ip.op = 'altmatch';
  });
}

/** `Prog::Flatten`'s instruction count: the lists emitted for every root. */
function flattenSize(inst: readonly Inst[], startUnanchored: number, start: number): number {
  const roots = new Set<number>([0, startUnanchored, start]);
  const preds = new Map<number, number[]>();
  const seen = new Set<number>();
  const stack = [startUnanchored];
  while (stack.length > 0) {
    for (let id = stack.pop()!; !seen.has(id); ) {
      seen.add(id);
      const ip = inst[id]!;
      if (ip.op === 'alt' || ip.op === 'altmatch') {
        for (const out of [ip.out, ip.out1]) preds.set(out, [...(preds.get(out) ?? []), id]);
        stack.push(ip.out1);
        id = ip.out;
      } else if (ip.op === 'byte' || ip.op === 'cap' || ip.op === 'empty') {
        roots.add(ip.out);
        id = ip.out;
      } else if (ip.op === 'nop') id = ip.out;
      else break;
    }
  }
  const sorted = [...roots].sort((a, b) => a - b);
  for (let k = sorted.length - 1; k > 0; k--) {
    const root = sorted[k]!;
    if (root !== startUnanchored && root !== start) markDominator(inst, root, roots, preds);
  }
  let size = 0;
  for (const root of roots) size += emitList(inst, root, roots);
  return size;
}

/** Instructions reachable from `root` through Alt and Nop, stopping at (and including) other roots. */
function reach(inst: readonly Inst[], root: number, roots: ReadonlySet<number>, onRoot: () => void, onInst: (ip: Inst) => void): Set<number> {
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    for (let id = stack.pop()!; !seen.has(id); ) {
      seen.add(id);
      if (id !== root && roots.has(id)) { onRoot(); break; }
      const ip = inst[id]!;
      if (ip.op === 'altmatch') onInst(ip);
      if (ip.op === 'alt' || ip.op === 'altmatch') {
        stack.push(ip.out1);
        id = ip.out;
      } else if (ip.op === 'nop') id = ip.out;
      else { onInst(ip); break; }
    }
  }
  return seen;
}

function markDominator(inst: readonly Inst[], root: number, roots: Set<number>, preds: ReadonlyMap<number, number[]>): void {
  const seen = reach(inst, root, roots, () => undefined, () => undefined);
  for (const id of seen) if ((preds.get(id) ?? []).some((p) => !seen.has(p))) roots.add(id);
}

function emitList(inst: readonly Inst[], root: number, roots: ReadonlySet<number>): number {
  let n = 0;
  reach(inst, root, roots, () => n++, () => n++);
  return n;
}
