/**
 * The static registry source: one YAML file, watched for changes, reloaded atomically.
 *
 * Watching: `fs.watch` on the file's DIRECTORY, because editors and deploy tools replace files by
 * writing a temporary file and renaming it over the target; a watch on the file itself follows
 * the old inode and goes silent. In-place writes are seen as well. Events are debounced
 * (`debounceMs`, default 50 ms) and the file is re-read; an unchanged content hash publishes nothing.
 *
 * Atomicity: a reload either replaces the whole registry or nothing. An unreadable, truncated or
 * invalid file is reported through `onError` with positioned diagnostics and the last good
 * registry stays current. (A file cut exactly at a line boundary can still be valid YAML; writers
 * that need a guarantee should write a temporary file and rename it, which this source sees as one
 * change.)
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, quote, readFileInside, type Diagnostic, type ReadRefusal } from '../policy/index.js';
import { RegistryCodes } from './codes.js';
import { RegistrySourceBase } from './listeners.js';
import { nextRegistry } from './registry-build.js';
import { RegistryFileParser } from './static-parse.js';
import { DEFAULT_CLUSTER_DOMAIN } from './types.js';

export interface StaticSourceOptions {
  /** Hostname suffix; default `cluster.local`. */
  readonly clusterDomain?: string;
  /** Quiet period after the last file event before re-reading; default 50 ms. */
  readonly debounceMs?: number;
  /** Largest file accepted, enforced while reading; default 256 MiB. */
  readonly maxFileBytes?: number;
}

export const DEFAULT_MAX_REGISTRY_BYTES = 256 * 1024 * 1024;

/** See the module comment. One instance per file; `start()` once, `stop()` to release the watch. */
export class StaticRegistrySource extends RegistrySourceBase {
  readonly kind = 'static' as const;
  private readonly parser = new RegistryFileParser();
  private readonly clusterDomain: string;
  private readonly debounceMs: number;
  private readonly maxFileBytes: number;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastHash = '';
  private loading: Promise<void> | undefined;
  private pending = false;

  constructor(readonly file: string, options: StaticSourceOptions = {}) {
    super();
    this.clusterDomain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    this.debounceMs = options.debounceMs ?? 50;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_REGISTRY_BYTES;
  }

  /**
   * Starts watching, then loads the file (in that order, so a replace during the first load is not
   * missed). Rejects, listing the diagnostics, if the first load fails; the watch is then closed.
   */
  async start(): Promise<void> {
    const base = path.basename(this.file);
    const dir = path.dirname(path.resolve(this.file));
    try {
      this.watcher = watch(dir, (_event, name) => {
        if (name === null || name === base) this.schedule();
      });
    } catch (err) {
      throw new Error(`cannot watch the registry directory ${dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.watcher.on('error', (err) => this.errors.emit([unreadable(this.file, err)]));
    const diagnostics = await this.load();
    if (diagnostics.length > 0) {
      await this.stop();
      throw new Error(`registry file ${this.file} was rejected:\n${diagnostics.map(formatDiagnostic).join('\n')}`);
    }
    this.isSynced = true;
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.timer);
    await this.loading;
  }

  private schedule(): void {
    if (!this.watcher) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload(), this.debounceMs);
  }

  /** Serialises reloads: an event during a reload triggers one more reload afterwards. */
  private async reload(): Promise<void> {
    if (this.loading) {
      this.pending = true;
      return;
    }
    this.loading = this.load().then((diagnostics) => {
      if (diagnostics.length > 0) this.errors.emit(diagnostics);
    });
    await this.loading;
    this.loading = undefined;
    if (this.pending && this.watcher) {
      this.pending = false;
      await this.reload();
    }
  }

  /**
   * Reads, parses and (if valid and different) publishes. Returns the rejection diagnostics.
   * The file must be a regular file inside its directory once symlinks are resolved (a ConfigMap
   * volume's links are; a link to `/proc/self/environ` is not), read by `readFileInside`.
   */
  private async load(): Promise<readonly Diagnostic[]> {
    try {
      return await this.read();
    } finally {
      this.evaluated++;
    }
  }

  private async read(): Promise<readonly Diagnostic[]> {
    let root: string;
    try {
      root = await realpath(path.dirname(path.resolve(this.file)));
    } catch (err) {
      return [unreadable(this.file, err)];
    }
    const read = await readFileInside(root, this.file, this.maxFileBytes);
    if (!read.ok) return [refused(this.file, read.refusal, this.maxFileBytes)];
    const bytes = read.bytes;
    // Hash the bytes, not the decoded string: several times cheaper on multi-megabyte files.
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash === this.lastHash) return [];
    const result = this.parser.parse(bytes.toString('utf8'), this.file);
    if (result.diagnostics.length > 0) return result.diagnostics;
    this.lastHash = hash;
    const change = nextRegistry(this.registry, result.drafts, this.clusterDomain);
    if (change) {
      this.registry = change.registry;
      this.changes.emit(change);
    }
    return [];
  }
}

function refused(file: string, r: ReadRefusal, maxBytes: number): Diagnostic {
  const source = { file, line: 1, col: 1 };
  if (r.kind === 'unreadable') return { code: RegistryCodes.unreadable.code, severity: 'error', message: `cannot read the registry file: ${r.reason}`, source };
  const why = r.kind === 'too-large' ? `it is over the ${maxBytes}-byte limit`
    : r.kind === 'outside' ? `it resolves to ${quote(r.target)}, outside its directory` : `it is ${r.what}, not a regular file`;
  const code = r.kind === 'too-large' ? RegistryCodes.fileTooLarge.code : RegistryCodes.fileRefused.code;
  return { code, severity: 'error', message: `registry file refused: ${why}`, source };
}

function unreadable(file: string, err: unknown): Diagnostic {
  const message = `cannot read the registry file: ${err instanceof Error ? err.message : String(err)}`;
  return { code: RegistryCodes.unreadable.code, severity: 'error', message, source: { file, line: 1, col: 1 } };
}
