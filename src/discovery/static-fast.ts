/**
 * A fast parser for the plain subset of YAML that registry files are normally written in, producing
 * exactly what `fromYaml(yaml.parseDocument(...).contents)` produces (same values, same start
 * offsets), so that validation and diagnostics are identical on either path.
 *
 * Why: the `yaml` package needs about 0.2 ms per endpoint here; a 100,000-endpoint registry took
 * over 10 s to load. This parser handles block maps and sequences, single-line flow maps and
 * sequences, plain scalars (core schema: null, booleans, decimal integers, strings) and full-line
 * or trailing comments. For anything else (quotes, anchors, tags, block scalars, multi-line
 * scalars, floats, duplicate keys, tabs, CR line ends, unusual indentation) it gives up and returns
 * `undefined`, and the caller uses `yaml`, which stays the authority on what is valid YAML.
 */
import type { RMap, RNode, RScalar, RSeq } from './static-nodes.js';

const BAIL = new Error('outside the fast YAML subset');
/** Characters that start YAML constructs this parser does not handle. */
const UNSUPPORTED = /["'&*!|>%@`\t\r?]/;
const FLOW_END = /[,{}[\]]/;

interface Line {
  readonly start: number;
  readonly indent: number;
  readonly text: string;
}

/** Parses `src`; `undefined` when it is outside the subset (never throws for input reasons). */
export function parseFast(src: string): RNode | undefined {
  try {
    return new FastParser(src).root();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}

function stripComment(raw: string): string {
  const hash = raw.indexOf('#');
  if (hash < 0) return raw;
  if (raw.trimStart().startsWith('#')) return '';
  const c = raw.indexOf(' #');
  if (c < 0 || raw.slice(0, c).includes('#')) throw BAIL;
  return raw.slice(0, c);
}

/** First characters after which a plain scalar may be something other than a string. */
const MAYBE_TYPED = /^[-+.0-9~nNtTfF]/;

function resolvePlain(s: string): string | number | boolean | null {
  if (s === '' || s.startsWith(':') || s.includes(': ') || s.endsWith(':')) throw BAIL;
  if (!MAYBE_TYPED.test(s)) return s;
  if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (/^(?:[Tt]rue|TRUE)$/.test(s)) return true;
  if (/^(?:[Ff]alse|FALSE)$/.test(s)) return false;
  if (/^[-+]?[0-9]+$/.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw BAIL;
    return n;
  }
  // Floats, .inf/.nan, and a leading '-' (a sequence indicator in some positions): leave to `yaml`.
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(s)) throw BAIL;
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/.test(s) || /^0[ox]/.test(s) || s.startsWith('-')) throw BAIL;
  return s;
}

function scalar(text: string, start: number): RScalar {
  return { kind: 'scalar', value: resolvePlain(text), start };
}

class FastParser {
  private readonly lines: Line[] = [];
  private li = 0;

  constructor(src: string) {
    if (src.includes('\r')) throw BAIL;
    let start = 0;
    for (;;) {
      let end = src.indexOf('\n', start);
      if (end < 0) end = src.length;
      const text = stripComment(src.slice(start, end)).trimEnd();
      if (text !== '') {
        if (UNSUPPORTED.test(text)) throw BAIL;
        const indent = text.length - text.trimStart().length;
        if (indent === 0 && (text.startsWith('---') || text.startsWith('...'))) throw BAIL;
        this.lines.push({ start, indent, text });
      }
      if (end === src.length) break;
      start = end + 1;
    }
  }

  root(): RNode {
    const first = this.lines[0];
    if (!first) throw BAIL;
    const node = this.block(first.indent);
    if (this.li < this.lines.length) throw BAIL;
    return node;
  }

  private cur(): Line {
    const line = this.lines[this.li];
    if (!line) throw BAIL;
    return line;
  }

  /** A block node whose first token is at column `col` of the current line. */
  private block(col: number): RNode {
    const line = this.cur();
    const rest = line.text.slice(col);
    if (rest === '-' || rest.startsWith('- ')) return this.seq(col);
    if (rest.startsWith('{') || rest.startsWith('[')) {
      this.li++;
      return this.flowLine(line, col);
    }
    if (rest.includes(': ') || rest.endsWith(':')) return this.map(col);
    this.li++;
    return scalar(rest, line.start + col);
  }

  /** Lines after the first belong to this block only when indented exactly `col`. */
  private atColumn(col: number, first: number): Line | undefined {
    const line = this.lines[this.li];
    return line && (this.li === first || line.indent === col) ? line : undefined;
  }

  private seq(col: number): RSeq {
    const seq: RSeq = { kind: 'seq', items: [], start: this.cur().start + col };
    const first = this.li;
    for (let line = this.atColumn(col, first); line; line = this.atColumn(col, first)) {
      const rest = line.text.slice(col);
      if (rest !== '-' && !rest.startsWith('- ')) break;
      let c = col + 1;
      while (line.text[c] === ' ') c++;
      if (c < line.text.length) {
        seq.items.push(this.block(c));
        continue;
      }
      this.li++;
      const next = this.lines[this.li];
      if (!next || next.indent <= col) throw BAIL;
      seq.items.push(this.block(next.indent));
    }
    return seq;
  }

  private map(col: number): RMap {
    const map: RMap = { kind: 'map', items: [], start: this.cur().start + col };
    const first = this.li;
    const keys = new Set<unknown>();
    for (let line = this.atColumn(col, first); line; line = this.atColumn(col, first)) {
      const text = line.text;
      const colon = text.indexOf(':', col);
      if (colon < 0 || (text[colon + 1] !== ' ' && colon + 1 !== text.length) || text[colon - 1] === ' ') throw BAIL;
      const key = scalar(text.slice(col, colon), line.start + col);
      if (keys.has(key.value) || text[col] === '-' || FLOW_END.test(text.slice(col, colon))) throw BAIL;
      keys.add(key.value);
      let v = colon + 1;
      while (text[v] === ' ') v++;
      map.items.push({ key, value: this.mapValue(line, col, v) });
    }
    return map;
  }

  private mapValue(line: Line, col: number, v: number): RNode {
    this.li++;
    const text = line.text;
    if (v < text.length) return text[v] === '{' || text[v] === '[' ? this.flowLine(line, v) : scalar(text.slice(v), line.start + v);
    const next = this.lines[this.li];
    if (next && next.indent > col) return this.block(next.indent);
    if (next && next.indent === col && (next.text.slice(col) === '-' || next.text.startsWith('- ', col))) return this.seq(col);
    throw BAIL; // an empty value: leave null handling and its positions to `yaml`
  }

  /** A flow collection that must end exactly at the end of the line. */
  private flowLine(line: Line, col: number): RNode {
    const [node, end] = flow(line.text, col, line.start);
    if (end !== line.text.length) throw BAIL;
    return node;
  }
}

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ') i++;
  return i;
}

/** Index of the first flow indicator (`,{}[]`) or `:` at or after `i`, or -1. */
function scanFlow(text: string, i: number, stopAtColon: boolean): number {
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // , [ ] { } and, for keys, :
    if (c === 44 || c === 91 || c === 93 || c === 123 || c === 125 || (stopAtColon && c === 58)) return i;
  }
  return -1;
}

/** Parses a flow map or sequence starting at `text[i]`; returns the node and the index after it. */
function flow(text: string, i: number, base: number): [RNode, number] {
  const isMap = text[i] === '{';
  const close = isMap ? '}' : ']';
  const node: RMap | RSeq = isMap ? { kind: 'map', items: [], start: base + i } : { kind: 'seq', items: [], start: base + i };
  const keys = isMap ? new Set<unknown>() : undefined;
  i = skipSpaces(text, i + 1);
  if (text[i] === close) return [node, i + 1];
  for (;;) {
    let key: RScalar | undefined;
    if (keys) {
      const colon = scanFlow(text, i, true);
      if (colon < 0 || text[colon] !== ':' || text[colon + 1] !== ' ' || text[colon - 1] === ' ') throw BAIL;
      key = scalar(text.slice(i, colon), base + i);
      if (keys.has(key.value)) throw BAIL;
      keys.add(key.value);
      i = skipSpaces(text, colon + 1);
    }
    let value: RNode;
    if (text[i] === '{' || text[i] === '[') [value, i] = flow(text, i, base);
    else {
      const end = scanFlow(text, i, false);
      if (end < 0) throw BAIL;
      value = scalar(text.slice(i, end).trimEnd(), base + i);
      i = end;
    }
    if (node.kind === 'map') node.items.push({ key: key as RScalar, value });
    else node.items.push(value);
    i = skipSpaces(text, i);
    if (text[i] === close) return [node, i + 1];
    if (text[i] !== ',') throw BAIL;
    i = skipSpaces(text, i + 1);
    if (text[i] === close || text[i] === ',') throw BAIL;
  }
}
