/**
 * The policy directory as a source of `PolicySet` values: loads it, watches it (recursively),
 * and reports the git commit when the directory is in a git work tree.
 *
 * With `ref` (`--policy-ref`), policy is read from the commit that ref names, never from the work
 * tree (so a half-written checkout is never loaded), and watching polls `git rev-parse <ref>`
 * every `pollMs` (default 2 s) instead of watching files: a ref moves by commit, fetch, reset or
 * a git-sync worktree swap, each of which changes what `rev-parse` prints, while watching
 * `.git/HEAD`, loose and packed refs and linked worktrees would miss some of them.
 *
 * A load that fails leaves `current` as it was (last good) and is reported through `onError`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { PolicyLoadCache, loadPolicyCommit, loadPolicyDir, resolveRef, type Diagnostic, type PolicyFile, type PolicyLoadResult, type PolicySet } from '../policy/index.js';

export interface PolicyLoad {
  readonly policy: PolicySet;
  /** `<git commit (12)>` when known, plus the content version: `a1b2c3d4e5f6+<version>`. */
  readonly label: string;
  readonly commit?: string;
  /** The load's diagnostics below error (a load with an error is refused): WEFT2083 and the like. */
  readonly warnings: readonly Diagnostic[];
}

export interface PolicySourceOptions {
  /** Load from the commit this git ref names instead of the work tree. */
  readonly ref?: string;
  /** How often the ref is polled while watching; default 2000 ms. */
  readonly pollMs?: number;
  /** More policy files loaded with the directory's (Gateway API routes from Kubernetes). */
  readonly extra?: ExtraPolicyFiles;
}

/** A source of policy files beside the directory, told the outcome of every load. */
export interface ExtraPolicyFiles {
  files(): PolicyFile[];
  onChange(fn: () => void): void;
  /** Every load's diagnostics (route status in Kubernetes); errors are the caller's to log. */
  loaded(diagnostics: readonly Diagnostic[]): Promise<void>;
}

const UNRESOLVED = 'unresolved';

export class PolicySource {
  private readonly watchers = new Map<string, FSWatcher>();
  private poll: NodeJS.Timeout | undefined;
  /** With a ref: the commit the last load read (`UNRESOLVED` when the ref did not resolve). */
  private lastCommit: string | undefined;

  /** Unchanged files keep their parsed and resolved objects from one load to the next. */
  private readonly cache = new PolicyLoadCache();

  constructor(readonly directory: string, private readonly options: PolicySourceOptions = {}) {}

  /** The git ref policy is read from, when loading from commits. */
  get ref(): string | undefined {
    return this.options.ref;
  }

  /** Loads the directory (or the ref's commit) once. */
  async load(): Promise<{ ok: true; load: PolicyLoad } | { ok: false; diagnostics: readonly Diagnostic[] }> {
    const { result, commit } = await this.read();
    await this.options.extra?.loaded(result.diagnostics).catch(() => undefined);
    if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
    const label = commit ? `${commit.slice(0, 12)}+${result.policy.version}` : result.policy.version;
    return { ok: true, load: { policy: result.policy, label, commit, warnings: result.diagnostics.filter((d) => d.severity !== 'error') } };
  }

  private async read(): Promise<{ result: PolicyLoadResult; commit?: string }> {
    const opts = { cache: this.cache, ...(this.options.extra && { extraFiles: this.options.extra.files() }) };
    if (this.options.ref === undefined) return { result: await loadPolicyDir(this.directory, opts), commit: await gitCommit(this.directory) };
    const result = await loadPolicyCommit(this.directory, this.options.ref, opts);
    this.lastCommit = result.commit ?? UNRESOLVED;
    return { result, commit: result.commit };
  }

  /**
   * Calls `onChange` for every file event below the directory (the caller debounces), or, with a
   * ref, each time the ref resolves to a different commit.
   *
   * Each directory is watched on its own rather than with `recursive: true`: on Linux, Node 20's
   * recursive watch follows file inodes, so after an editor or `git checkout` replaces a file by
   * rename, later edits to it go unseen. A directory watch sees every name in it, however the
   * file was written. New subdirectories are picked up on the next event.
   */
  watch(onChange: () => void): void {
    this.options.extra?.onChange(onChange);
    if (this.options.ref !== undefined) return this.pollRef(this.options.ref, onChange);
    const rescan = () => {
      for (const dir of directories(this.directory)) {
        if (this.watchers.has(dir)) continue;
        try {
          const w = watch(dir, () => {
            rescan();
            onChange();
          });
          w.on('error', () => this.forget(dir));
          this.watchers.set(dir, w);
        } catch {
          // Vanished between listing and watching: the parent's watch reports it.
        }
      }
    };
    rescan();
  }

  /**
   * Polls `ref` and calls `onChange` when it names a commit other than the one last loaded (or
   * seen), so a commit made between the first load and the first poll is not missed.
   */
  private pollRef(ref: string, onChange: () => void): void {
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      const r = await resolveRef(this.directory, ref);
      busy = false;
      const now = typeof r === 'string' ? UNRESOLVED : r.commit;
      const changed = this.lastCommit !== undefined && now !== this.lastCommit;
      this.lastCommit = now;
      if (changed) onChange();
    };
    void tick();
    this.poll = setInterval(() => void tick(), this.options.pollMs ?? 2_000);
    this.poll.unref();
  }

  stop(): void {
    clearInterval(this.poll);
    this.poll = undefined;
    for (const dir of [...this.watchers.keys()]) this.forget(dir);
  }

  private forget(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }
}

/** `root` and every directory below it, except dot-directories (`.git` changes are not policy). */
function directories(root: string): string[] {
  const out = [root];
  try {
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && !e.name.startsWith('.')) out.push(...directories(path.join(root, e.name)));
    }
  } catch {
    // Unreadable or gone: nothing to watch there.
  }
  return out;
}

/** `git rev-parse HEAD` in `dir`, or undefined when it is not a git work tree (or git is absent). */
export function gitCommit(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 5_000 }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}
