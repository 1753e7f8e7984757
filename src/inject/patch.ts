/**
 * JSON Patch (RFC 6902) operations, the one form in which injection is decided: `planPod` returns
 * them, the admission webhook sends them to the API server as they are, and `weft inject` applies
 * them to the YAML document (under the workload's pod-template path). Only `add`, `replace` and
 * `remove` are produced; paths are JSON Pointers (RFC 6901) relative to the pod object.
 */
export type PatchOp =
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** `['metadata', 'annotations', 'weft.io/x']` → `/metadata/annotations/weft.io~1x`. */
export function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The inverse of `pointer`; `-` (append) is kept as the string `-`. */
export function segmentsOf(ptr: string): (string | number)[] {
  if (ptr === '') return [];
  return ptr.slice(1).split('/').map((s) => {
    const raw = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^(0|[1-9]\d*)$/.test(raw) ? Number(raw) : raw;
  });
}

/**
 * Whether `have` holds everything of `want`: the same scalars, every key of an object (more keys
 * are fine), arrays of the same length whose items cover pairwise. The API server adds defaults
 * (`imagePullPolicy`, `terminationMessagePath`, a probe's `scheme` and thresholds) to what the
 * webhook adds, so an injected pod read back covers its plan without equalling it.
 */
export function jsonCovers(have: unknown, want: unknown): boolean {
  if (typeof want !== 'object' || want === null) return have === want;
  if (typeof have !== 'object' || have === null || Array.isArray(have) !== Array.isArray(want)) return false;
  if (Array.isArray(want)) return want.length === (have as unknown[]).length && want.every((w, i) => jsonCovers((have as unknown[])[i], w));
  return Object.entries(want).every(([k, w]) => w === undefined || jsonCovers((have as Record<string, unknown>)[k], w));
}

/** Applies operations to a deep copy of a JSON value (what the API server does with the
 * webhook's patch). Throws on a path that does not resolve: the ops come from `planPod`, whose
 * paths always do, so a throw is a bug, not bad input. */
export function applyPatch<T>(value: T, ops: readonly PatchOp[]): T {
  const root = { v: structuredClone(value) as unknown };
  for (const op of ops) {
    const segs = ['v', ...segmentsOf(op.path)];
    let parent: any = root;
    for (const s of segs.slice(0, -1)) {
      parent = parent?.[s];
      if (parent === undefined || parent === null || typeof parent !== 'object') throw new Error(`patch path ${op.path} does not resolve`);
    }
    const last = segs[segs.length - 1]!;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (op.op === 'add') parent.splice(i, 0, op.value);
      else if (op.op === 'replace') parent[i] = op.value;
      else parent.splice(i, 1);
    } else if (op.op === 'remove') delete parent[last];
    else parent[last] = op.value;
  }
  return root.v as T;
}
