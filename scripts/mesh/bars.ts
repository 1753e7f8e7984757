/**
 * Text rendering for `npm run demo`: one bar per backend version from a tally of outcomes.
 * Pure (string in, string out) so it renders the same to a terminal and to a log file; colour
 * is only added when asked for (a TTY).
 */
export interface Frame {
  readonly elapsedS: number;
  /** Outcomes of the last interval: reply prefix (`reviews-v1`) or `error <code>` → count. */
  readonly counts: Readonly<Record<string, number>>;
  readonly policyVersion: string;
  /** How the frontend reaches reviews: `an Envoy sidecar` or `proxyless gRPC`. */
  readonly via: string;
  /** The last rejected policy change, if the current files do not load. */
  readonly policyError?: string;
}

const VERSIONS = ['reviews-v1', 'reviews-v2', 'reviews-v3'] as const;
const COLOURS = ['\x1b[32m', '\x1b[33m', '\x1b[36m'];
const RED = '\x1b[31m';
const RESET = '\x1b[0m';

/** Groups replies by the instance that answered first (`reviews-v2>ratings` → `reviews-v2`). */
export function byVersion(counts: Readonly<Record<string, number>>): { rows: [string, number][]; errors: number; total: number } {
  const rows: [string, number][] = VERSIONS.map((v) => [v, 0]);
  let errors = 0;
  let total = 0;
  for (const [reply, n] of Object.entries(counts)) {
    total += n;
    const row = rows.find(([v]) => reply.split('>')[0] === v);
    if (row) row[1] += n;
    else errors += n;
  }
  return { rows, errors, total };
}

function bar(share: number, width: number): string {
  const full = Math.round(share * width);
  return '█'.repeat(full) + '·'.repeat(width - full);
}

/** The full-screen view (TTY): a bar per version, errors, the policy version and any error. */
export function renderScreen(f: Frame, policyFile: string, colour: boolean): string {
  const { rows, errors, total } = byVersion(f.counts);
  const c = (code: string, s: string) => (colour ? code + s + RESET : s);
  const lines = [`weft demo: frontend → reviews (${f.via}), ${total} calls in the last second, t=${f.elapsedS}s`, ''];
  rows.forEach(([v, n], i) => {
    const share = total ? n / total : 0;
    lines.push(`  ${v.padEnd(11)} ${c(COLOURS[i]!, bar(share, 50))} ${(share * 100).toFixed(0).padStart(3)}%  ${String(n).padStart(4)}`);
  });
  lines.push(`  ${'errors'.padEnd(11)} ${c(RED, bar(total ? errors / total : 0, 50))} ${String(errors).padStart(9)}`);
  lines.push('', '(one call in ten carries x-user: tester, which the policy routes to v3)', `policy version ${f.policyVersion}`);
  if (f.policyError) lines.push(c(RED, `policy change rejected (still serving the last good one):\n${f.policyError}`));
  lines.push('', `edit the weights in ${policyFile} and watch the bars move; Ctrl-C stops everything`);
  return lines.join('\n') + '\n';
}

/** One line per interval, for logs and pipes. */
export function renderLine(f: Frame): string {
  const { rows, errors, total } = byVersion(f.counts);
  const parts = rows.map(([v, n]) => `${v} ${total ? Math.round((n / total) * 100) : 0}%`);
  const err = f.policyError ? ` policy-error: ${f.policyError.split('\n')[0]}` : '';
  return `t=${f.elapsedS}s calls=${total} ${parts.join(' ')} errors=${errors} policy=${f.policyVersion.slice(0, 12)}${err}\n`;
}
