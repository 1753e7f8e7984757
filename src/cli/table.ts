/**
 * Aligned plain-text tables for the CLI: a header row, one row per record, columns padded with
 * two spaces, no borders, no colours (output is piped to grep and diff as often as it is read).
 * Widths count code points, so non-ASCII names stay aligned in the common cases.
 */

/** Width of a cell as a terminal shows it (code points; wide CJK glyphs are not handled). */
function width(s: string): number {
  return [...s].length;
}

/** Renders `rows` under `headers`; missing cells are blank. Ends with a newline. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    headers
      .map((_, i) => {
        const cell = cells[i] ?? '';
        return i === headers.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell));
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `key: value` lines with the keys padded to one width, for detail views. */
export function renderFields(fields: readonly (readonly [string, string | undefined])[]): string {
  const shown = fields.filter((f): f is readonly [string, string] => f[1] !== undefined && f[1] !== '');
  const w = Math.max(0, ...shown.map(([k]) => width(k)));
  return shown.map(([k, v]) => `${k}:${' '.repeat(w - width(k) + 1)}${v}`).join('\n') + '\n';
}
