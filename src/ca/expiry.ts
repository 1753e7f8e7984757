/**
 * CA expiry warnings. A self-signed root that silently expired took a whole mesh down with no logs
 * (istio#14516); weft warns, like Istio, once less than 20 % of a CA certificate's life is left.
 */

export interface Validity {
  /** What the certificate is, for the message, e.g. `signing CA`. */
  readonly label: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * One human-readable warning per certificate with less than `thresholdFraction` (default 0.2) of
 * its lifetime left at `now`, or already expired. Pure; the caller logs and exposes them.
 */
export function caExpiryWarnings(certs: readonly Validity[], now: number, thresholdFraction = 0.2): string[] {
  const out: string[] = [];
  for (const c of certs) {
    const life = c.notAfter - c.notBefore;
    const left = c.notAfter - now;
    const until = new Date(c.notAfter).toISOString();
    if (left <= 0) {
      out.push(`${c.label} certificate expired at ${until}: workloads can no longer get valid certificates`);
    } else if (left < life * thresholdFraction) {
      const days = Math.floor(left / DAY_MS);
      const pct = Math.round((left / life) * 100);
      out.push(`${c.label} certificate expires at ${until} (${days} days, ${pct}% of its life left): rotate it`);
    }
  }
  return out;
}
