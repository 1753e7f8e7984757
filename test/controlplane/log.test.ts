import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/controlplane/index.js';
import { LOG_FIELD_LIMIT, capBytes, formatLine } from '../../src/controlplane/log.js';

const MB5 = 5 * 1024 * 1024;
const AT = new Date('2026-01-02T03:04:05.000Z');

/** Every character a log line must never contain raw. */
const BIDI = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'];
const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function onlyLine(log: ReturnType<typeof memoryLogger>): string {
  expect(log.lines).toHaveLength(1);
  return log.lines[0]!;
}

describe('log lines are bounded', () => {
  it('nackSizedErrorDetailMakesABoundedLine', () => {
    const log = memoryLogger();
    log.warn('proxy rejected configuration (NACK)', { proxy: 'reviews-v1', type: 'Cluster', error: 'x'.repeat(MB5) });
    const line = onlyLine(log);
    expect(line.length).toBeLessThan(1400);
    expect(line).toContain(`error="${'x'.repeat(LOG_FIELD_LIMIT)}…(+${MB5 - LOG_FIELD_LIMIT} bytes)"`);
    expect(line).toContain('proxy=reviews-v1 type=Cluster');
  });

  it('capsTheMessageKeysAndNestedValuesToo', () => {
    const log = memoryLogger();
    log.error('m'.repeat(MB5), { ['k'.repeat(MB5)]: { detail: 'd'.repeat(MB5), names: Array.from({ length: 100_000 }, (_, i) => `n${i}`) } });
    const line = onlyLine(log);
    expect(line.length).toBeLessThan(4 * LOG_FIELD_LIMIT);
    expect(line.match(/…\(\+\d+ bytes\)/g)).toHaveLength(3);
  });

  it('cutsOnACharacterBoundaryAndCountsDroppedBytes', () => {
    const text = 'é'.repeat(1000) + '😀'.repeat(10);
    const { head, dropped } = capBytes(text, 1023);
    expect(Buffer.byteLength(head)).toBe(1022);
    expect(head).toBe('é'.repeat(511));
    expect(dropped).toBe(Buffer.byteLength(text) - 1022);
    expect(capBytes('😀😀', 7)).toEqual({ head: '😀', dropped: 4 });
    expect(capBytes('short')).toEqual({ head: 'short', dropped: 0 });
  });

  it('neverThrowsOnValuesJsonCannotWrite', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const line = formatLine(AT, 'info', 'odd values', { cyclic, big: 10n, err: new Error('boom\u001b[2J') });
    expect(line).toBe('2026-01-02T03:04:05.000Z info  odd values cyclic=[object Object] big=10 err="boom\\u001b[2J"');
  });
});

describe('log lines are escaped', () => {
  it('escapesEscSequencesInNodeIdsAndMessages', () => {
    const log = memoryLogger();
    const id = 'evil\u001b[2J\u001b]0;pwned\u0007\u009b31m';
    log.warn(`xDS stream refused for ${id}`, { node: id });
    const line = onlyLine(log);
    expect(line).not.toMatch(RAW_UNSAFE);
    expect(line).toContain('for evil\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m node="evil\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m"');
  });

  it('escapesEveryBidiControl', () => {
    for (const c of BIDI) {
      const line = formatLine(AT, 'info', `a${c}b`, { node: `admin${c}gnp.exe` });
      expect(line, c.codePointAt(0)!.toString(16)).not.toMatch(RAW_UNSAFE);
      const escaped = `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`;
      expect(line).toBe(`2026-01-02T03:04:05.000Z info  a${escaped}b node="admin${escaped}gnp.exe"`);
    }
  });

  it('keepsEachEventOnOneLine', () => {
    const line = formatLine(AT, 'warn', 'forged\n2026-01-02T00:00:00.000Z info  all good\r', { node: 'a\nb', other: 'c\u2028d\u0085e' });
    expect(line).not.toMatch(RAW_UNSAFE);
    expect(line).toBe('2026-01-02T03:04:05.000Z warn  forged\\u000a2026-01-02T00:00:00.000Z info  all good\\u000d node="a\\nb" other="c\\u2028d\\u0085e"');
  });

  it('writesPlainValuesAsBefore', () => {
    const line = formatLine(AT, 'info', 'policy loaded', { version: 'p-1a2b', files: 3, reason: 'no such cluster', empty: '', skipped: undefined });
    expect(line).toBe('2026-01-02T03:04:05.000Z info  policy loaded version=p-1a2b files=3 reason="no such cluster" empty=""');
  });
});

describe('log lines never carry private keys', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----';

  it('redactsWholeKeysAndKeysCutByTheCap', () => {
    const whole = formatLine(AT, 'error', 'leak', { detail: `before ${key} after`, nested: { pem: key } });
    expect(whole).not.toContain('MIGHAgEA');
    expect(whole).toContain('detail="before [redacted private key] after"');
    const cut = formatLine(AT, 'error', 'leak', { detail: 'p'.repeat(LOG_FIELD_LIMIT - 40) + key });
    expect(cut).not.toContain('MIGHAgEA');
    expect(cut).toMatch(/p\[redacted private key\]…\(\+\d+ bytes\)"$/);
  });
});
