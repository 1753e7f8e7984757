/**
 * One policy file's text -> schema-checked documents with source positions.
 *
 * Defences against hostile or broken input, all reported as diagnostics and never thrown:
 * - size: files over the limit are refused before parsing;
 * - aliases/anchors: refused outright (policy never needs them). Documents are read from the AST
 *   and never converted with `toJS`, the only place `yaml` expands aliases, so a "billion laughs"
 *   file costs one linear parse and one diagnostic;
 * - syntax errors: every `yaml` error becomes a WEFT1001 with its position;
 * - a file with no documents at all is an error (WEFT1020), never an empty policy.
 */
import { isAlias, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { Diagnostic, SourceRef } from './diagnostics.js';
import { PolicyCodes } from './codes.js';
import { INVALID, report, type Cx } from './schema-dsl.js';
import { documentSchema, type PolicyDocument } from './schema.js';
import { escapeControl, truncate } from './excerpt.js';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** A document that passed the schema, with the positions of every path in it. */
export interface ParsedDocument {
  readonly doc: PolicyDocument;
  readonly file: string;
  /** Field path -> source position; '' is the document itself. */
  readonly positions: ReadonlyMap<string, SourceRef>;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  /** Non-empty documents seen, valid or not. */
  readonly documentCount: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses and schema-checks every document of one file. Pure; never throws. */
export function parsePolicyFile(file: string, text: string, maxBytes = DEFAULT_MAX_FILE_BYTES): ParsedFile {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) return { documents: [], documentCount: 0, diagnostics: [tooLarge(file, size, maxBytes)] };
  const lines = new LineCounter();
  const yamlDocs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const docs = Array.isArray(yamlDocs) ? yamlDocs : [];
  const diagnostics: Diagnostic[] = [];
  const documents: ParsedDocument[] = [];
  let documentCount = 0;
  for (const yamlDoc of docs) {
    if (isEmpty(yamlDoc)) continue;
    documentCount++;
    const cx: Cx = { file, lines, diagnostics: [], positions: new Map() };
    const parsed = checkDocument(yamlDoc, cx);
    diagnostics.push(...cx.diagnostics);
    if (parsed) documents.push({ doc: parsed, file, positions: cx.positions });
  }
  if (documentCount === 0) diagnostics.push(emptyFile(file));
  return { documents, documentCount, diagnostics };
}

/**
 * A policy file without a single document is refused rather than read as "no policy here": that
 * is what a truncating write (`> access.yaml`, an editor's save cut short) looks like halfway,
 * and loading it would silently drop every rule the file held. Deleting a file removes its
 * policy; emptying it does not.
 */
function emptyFile(file: string): Diagnostic {
  return {
    code: PolicyCodes.emptyFile.code, severity: 'error', source: { file, line: 1, col: 1 },
    message: 'the file has no policy documents (empty, or only whitespace, comments or "---"); a truncated write? Delete the file to remove its policy',
  };
}

export function tooLarge(file: string, size: number, maxBytes: number): Diagnostic {
  return {
    code: PolicyCodes.fileTooLarge.code, severity: 'error',
    message: `file is ${size} bytes, over the ${maxBytes}-byte limit for policy files`,
    source: { file, line: 1, col: 1 },
  };
}

function isEmpty(doc: Document.Parsed): boolean {
  const c = doc.contents as { value?: unknown } | null;
  return doc.errors.length === 0 && (c === null || c.value === null);
}

/** Syntax errors, then aliases, then the schema: a document reaching the schema is plain data. */
function checkDocument(yamlDoc: Document.Parsed, cx: Cx): PolicyDocument | undefined {
  for (const e of yamlDoc.errors) {
    const { line, col } = cx.lines.linePos(e.pos[0]);
    cx.diagnostics.push({
      code: PolicyCodes.yamlSyntax.code, severity: 'error', message: escapeControl(truncate(firstLine(e.message), 120)),
      source: { file: cx.file, line, col },
    });
  }
  if (yamlDoc.errors.length > 0 || rejectAliases(yamlDoc, cx)) return undefined;
  const value = documentSchema.check(yamlDoc.contents as Node, cx, '');
  return value === INVALID ? undefined : value;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Reports the first alias or anchor of a document (one is enough: an alias bomb has thousands, and
 * a diagnostic per alias would be its own amplification); true when one was found.
 */
function rejectAliases(yamlDoc: Document.Parsed, cx: Cx): boolean {
  let found = false;
  visit(yamlDoc, {
    Node(_, node) {
      const what = isAlias(node) ? `alias *${node.source}` : node.anchor ? `anchor &${node.anchor}` : undefined;
      if (!what) return undefined;
      found = true;
      report(cx, PolicyCodes.aliasNotAllowed.code, '', node as Node, `YAML ${what} is not allowed in policy; write the value out`);
      return visit.BREAK;
    },
  });
  return found;
}
