/**
 * The policy directory as a source of `PolicySet` values: loads it, watches it (recursively),
 * and reports the git commit when the directory is in a git work tree.
 *
 * A load that fails leaves `current` as it was (last good) and is reported through `onError`.
 */
import { execFile } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { loadPolicyDir, type Diagnostic, type PolicySet } from '../policy/index.js';

export interface PolicyLoad {
  readonly policy: PolicySet;
  /** `<git commit (12)>` when known, plus the content version: `a1b2c3d4e5f6+<version>`. */
  readonly label: string;
  readonly commit?: string;
}

export class PolicySource {
  private watcher?: FSWatcher;

  constructor(readonly directory: string) {}

  /** Loads the directory once. */
  async load(): Promise<{ ok: true; load: PolicyLoad } | { ok: false; diagnostics: readonly Diagnostic[] }> {
    const result = await loadPolicyDir(this.directory);
    if (!result.ok) return { ok: false, diagnostics: result.diagnostics };
    const commit = await gitCommit(this.directory);
    const label = commit ? `${commit.slice(0, 12)}+${result.policy.version}` : result.policy.version;
    return { ok: true, load: { policy: result.policy, label, commit } };
  }

  /** Calls `onChange` for every file event below the directory (the caller debounces). */
  watch(onChange: () => void): void {
    this.watcher = watch(this.directory, { recursive: true }, (_event, file) => {
      if (file && /(^|[/\\])\.git([/\\]|$)/.test(String(file)) && !String(file).endsWith('HEAD')) return;
      onChange();
    });
    this.watcher.on('error', () => undefined);
  }

  stop(): void {
    this.watcher?.close();
  }
}

/** `git rev-parse HEAD` in `dir`, or undefined when it is not a git work tree (or git is absent). */
export function gitCommit(dir: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['-C', dir, 'rev-parse', 'HEAD'], { timeout: 5_000 }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}
