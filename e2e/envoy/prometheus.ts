/**
 * Prometheus text exposition (https://prometheus.io/docs/instrumenting/exposition_formats/) as
 * samples, for tests that read Envoy's `/stats/prometheus` or weft's `/metrics`.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

/** Every sample line; comments and blank lines skipped. Throws on a line it cannot read. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample: ${line}`);
    out.push({ name: m[1]!, labels: parseLabels(m[2] ?? '', line), value: Number(m[3]) });
  }
  return out;
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    if (!m) throw new Error(`bad labels in: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** Sum of `name`'s samples whose labels include `match` (a label absent counts as empty, as in
 * Prometheus). */
export function sumSeries(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => (s.labels[k] ?? '') === v)) sum += s.value;
  }
  return sum;
}
