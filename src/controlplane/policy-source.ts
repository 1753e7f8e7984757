/**
 * The policy directory as a source of `PolicySet` values: loads it, watches it (recursively),
 * and reports the git commit when the directory is in a git work tree.
 *
 * A load that fails leaves `current` as it was (last good) and is reported through `onError`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { loadPolicyDir, type Diagnostic, type PolicySet } from '../policy/index.js';

export interface PolicyLoad {
  readonly policy: PolicySet;
  /** `<git commit (12)>` when known, plus the content version: `a1b2c3d4e5f6+<version>`. */
  readonly label: string;
  readonly commit?: string;
}

export class PolicySource {
  private readonly watchers = new Map<string, FSWatcher>();

  constructor(readonly directory: string) {}

  /** Loads the directory once. */
  async load(): Promise<{ ok: true; load: PolicyLoad } | { ok: false; diagnostics: readonly Diagnostic[] }> {
    const result = await loadPolicyDir(this.directory);
    if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
    const commit = await gitCommit(this.directory);
    const label = commit ? `${commit.slice(0, 12)}+${result.policy.version}` : result.policy.version;
    return { ok: true, load: { policy: result.policy, label, commit } };
  }

  /**
   * Calls `onChange` for every file event below the directory (the caller debounces).
   *
   * Each directory is watched on its own rather than with `recursive: true`: on Linux, Node 20's
   * recursive watch follows file inodes, so after an editor or `git checkout` replaces a file by
   * rename, later edits to it go unseen. A directory watch sees every name in it, however the
   * file was written. New subdirectories are picked up on the next event.
   */
  watch(onChange: () => void): void {
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

  stop(): void {
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
