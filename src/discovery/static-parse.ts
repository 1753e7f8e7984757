/**
 * Parsing a registry file (`services: [...]`) into service drafts with positioned diagnostics.
 *
 * Text is parsed by the fast subset parser (static-fast.ts) when it can, else by `yaml`, which took
 * seconds for a 100,000-endpoint file. Reloads after small edits must be fast too, so the parser
 * splits the top-level `services` sequence into one text chunk per item and reuses the validated
 * draft of every chunk whose text is unchanged since the previous parse. Any chunk that does not
 * parse on its own, or a file whose layout is not a plain block sequence under `services:`, falls
 * back to one parse of the whole file, so chunking never changes what is accepted or how errors
 * are reported.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic, SourceRef } from '../policy/index.js';
import { RegistryCodes } from './codes.js';
import type { ServiceDraft } from './registry-build.js';
import { parseFast } from './static-fast.js';
import { fromYaml, isMap, isScalar, isSeq, type RNode } from './static-nodes.js';
import { fields, report, validateService, type ValidationContext } from './static-validate.js';

export interface ParseResult {
  /** Valid only when `diagnostics` is empty. */
  readonly drafts: readonly ServiceDraft[];
  readonly diagnostics: readonly Diagnostic[];
}

interface Chunk {
  readonly text: string;
  /** 1-based line of the chunk's first line in the file. */
  readonly line: number;
  /** Column of the `-` that starts the item (0-based). */
  readonly indent: number;
}

interface Located {
  readonly draft: ServiceDraft;
  readonly source: SourceRef;
}

const HEADER = /^services:[ \t]*(#.*)?\r?$/;
const ITEM = /^( *)-( |\r?$)/;

function isBlankOrComment(line: string): boolean {
  const t = line.trimStart();
  return t === '' || t === '\r' || t.startsWith('#');
}

/** Splits the file into one chunk per `services` item, or `undefined` for any other layout. */
export function splitServices(text: string): Chunk[] | undefined {
  const body = bodyStart(text);
  if (!body) return undefined;
  const { offset, line, indent } = body;
  const pad = ' '.repeat(indent);
  // Every line of the body must be blank, a comment, deeper than the items, or an item start.
  const offending = new RegExp(`\\n(?!${pad}(?: |-(?: |$))|[ ]*(?:#|$))`, 'm');
  if (offending.test(text.slice(offset))) return undefined;
  const itemStart = new RegExp(`\\n${pad}-(?: |$)`, 'gm');
  itemStart.lastIndex = offset;
  const chunks: Chunk[] = [];
  let start = offset;
  let lineNo = line;
  for (;;) {
    const m = itemStart.exec(text);
    const end = m ? m.index : text.length;
    chunks.push({ text: text.slice(start, end), line: lineNo, indent });
    if (!m) return chunks;
    for (let i = text.indexOf('\n', start); i >= 0 && i <= end; i = text.indexOf('\n', i + 1)) lineNo++;
    start = end + 1;
  }
}

/** Finds the `services:` header and the first item after it (offset, 1-based line, indent). */
function bodyStart(text: string): { offset: number; line: number; indent: number } | undefined {
  let offset = 0;
  let line = 1;
  let seenHeader = false;
  while (offset <= text.length) {
    const nl = text.indexOf('\n', offset);
    const end = nl < 0 ? text.length : nl;
    const content = text.slice(offset, end);
    if (!isBlankOrComment(content)) {
      if (seenHeader) {
        const m = ITEM.exec(content);
        return m ? { offset, line, indent: (m[1] as string).length } : undefined;
      }
      if (!HEADER.test(content)) return undefined;
      seenHeader = true;
    }
    if (nl < 0) return undefined;
    offset = nl + 1;
    line++;
  }
  return undefined;
}

/** A LineCounter for text the fast parser handled (yaml fills one while lexing; we do it on demand). */
function countLines(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}

/** Parses with the fast subset parser, else with `yaml`; `undefined` on YAML errors. */
function parseNode(text: string, diagnosticsFor?: (lc: LineCounter, errors: readonly { message: string; pos: [number, number] }[]) => void): { node: RNode | null; lc: () => LineCounter } | undefined {
  const fast = parseFast(text);
  if (fast) {
    let lc: LineCounter | undefined;
    return { node: fast, lc: () => (lc ??= countLines(text)) };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length > 0) {
    diagnosticsFor?.(lc, doc.errors);
    return undefined;
  }
  return { node: fromYaml(doc.contents), lc: () => lc };
}

function lazyContext(file: string, lc: () => LineCounter, lineOffset: number, diagnostics: Diagnostic[]): ValidationContext {
  return {
    file,
    diagnostics,
    position: (offset) => {
      const p = lc().linePos(offset);
      return { line: p.line + lineOffset, col: p.col };
    },
  };
}

/**
 * A parser that remembers the previous parse's valid chunks. Not safe for concurrent use by two
 * files: give each source its own instance.
 */
export class RegistryFileParser {
  private cache = new Map<string, ServiceDraft>();

  parse(text: string, file: string): ParseResult {
    const chunks = splitServices(text);
    const located = chunks ? this.parseChunks(chunks, file) : undefined;
    if (located === undefined) return this.parseWhole(text, file);
    if (!Array.isArray(located)) return located;
    return checkDuplicates(located, file);
  }

  private parseChunks(chunks: readonly Chunk[], file: string): Located[] | ParseResult | undefined {
    const next = new Map<string, ServiceDraft>();
    const out: Located[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const [i, chunk] of chunks.entries()) {
      let draft = this.cache.get(chunk.text);
      if (!draft) {
        const parsed = parseNode(chunk.text);
        const seq = parsed?.node;
        if (!parsed || !isSeq(seq) || seq.items.length !== 1) return undefined;
        draft = validateService(lazyContext(file, parsed.lc, chunk.line - 1, diagnostics), seq.items[0] as RNode, `services[${i}]`);
      }
      if (draft) {
        next.set(chunk.text, draft);
        const col = chunk.indent + 2 + Math.max(0, chunk.text.slice(chunk.indent + 1).search(/\S/));
        out.push({ draft, source: { file, line: chunk.line, col } });
      }
    }
    this.cache = next;
    return diagnostics.length > 0 ? { drafts: [], diagnostics } : out;
  }

  private parseWhole(text: string, file: string): ParseResult {
    const diagnostics: Diagnostic[] = [];
    const parsed = parseNode(text, (lc, errors) => {
      for (const err of errors) {
        const p = lc.linePos(err.pos[0]);
        diagnostics.push({ code: RegistryCodes.syntax.code, severity: 'error', message: err.message.split('\n')[0] as string, source: { file, line: p.line, col: p.col } });
      }
    });
    if (!parsed) return { drafts: [], diagnostics };
    const ctx = lazyContext(file, parsed.lc, 0, diagnostics);
    const root = parsed.node;
    if (root === null || (isScalar(root) && root.value === null)) {
      report(ctx, RegistryCodes.emptyFile.code, null, '', 'the registry file is empty (write `services: []` for an empty registry)');
      return { drafts: [], diagnostics };
    }
    const located = validateRoot(ctx, root);
    this.cache = new Map();
    return diagnostics.length > 0 ? { drafts: [], diagnostics } : checkDuplicates(located, file);
  }
}

function validateRoot(ctx: ValidationContext, root: RNode): Located[] {
  if (!isMap(root)) {
    report(ctx, RegistryCodes.wrongType.code, root, '', 'expected a map with a `services` list');
    return [];
  }
  const f = fields(ctx, root, ['services'], '');
  const services = f.get('services')?.value;
  if (!f.has('services')) report(ctx, RegistryCodes.missingField.code, root, 'services', 'missing required field "services"');
  if (services === undefined || services === null || (isScalar(services) && services.value === null)) return [];
  if (!isSeq(services)) {
    report(ctx, RegistryCodes.wrongType.code, services, 'services', 'expected a list of services');
    return [];
  }
  const out: Located[] = [];
  services.items.forEach((item, i) => {
    const draft = validateService(ctx, item as RNode, `services[${i}]`);
    const p = ctx.position((item as RNode).start);
    if (draft) out.push({ draft, source: { file: ctx.file, line: p.line, col: p.col } });
  });
  return out;
}

function checkDuplicates(located: readonly Located[], file: string): ParseResult {
  const seen = new Map<string, SourceRef>();
  const diagnostics: Diagnostic[] = [];
  located.forEach(({ draft, source }, i) => {
    const key = `${draft.name}.${draft.namespace}`;
    const first = seen.get(key);
    if (first) {
      const message = `duplicate service ${key} (first defined at ${file}:${first.line}:${first.col})`;
      diagnostics.push({ code: RegistryCodes.duplicateService.code, severity: 'error', message, path: `services[${i}]`, source });
    } else seen.set(key, source);
  });
  return { drafts: diagnostics.length > 0 ? [] : located.map((l) => l.draft), diagnostics };
}
