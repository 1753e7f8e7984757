/**
 * The command table of `weft`: commands load lazily, their summaries are their own descriptions,
 * and options with units show their defaults as a user would type them.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commands, program } from '../../src/cli/main.js';
import { weft } from './run-weft.js';


afterEach(() => vi.restoreAllMocks());

describe('weft command table', () => {
  it.each(commands.map((c) => [c.name, c] as const))('lists %s with the description the loaded command has', async (_name, entry) => {
    const loaded = await entry.load();
    expect(loaded.name()).toBe(entry.name);
    expect(loaded.description()).toBe(entry.summary);
  });

  it('loads only the requested command (others are stubs without options)', async () => {
    const p = await program(['status']);
    const options = Object.fromEntries(p.commands.map((c) => [c.name(), c.options.length]));
    expect(options.status).toBeGreaterThan(0);
    expect(options.serve).toBe(0);
    expect(options.inject).toBe(0);
  });

  it('loads the command that `weft help X` asks about', async () => {
    const r = await weft('help', 'serve');
    expect(r.out).toMatch(/--svid-ttl/);
  });

  it('still suggests a command for a typo', async () => {
    const r = await weft('stauts');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Did you mean status\?/);
  });
});

describe('options with units', () => {
  it('shows every serve duration and size default as text, not milliseconds or bytes', async () => {
    const r = await weft('serve', '--help');
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain('--svid-ttl <duration> workload certificate lifetime (default: 24h)');
    expect(help).toContain('changes (default: 100ms)');
    expect(help).toContain('--max-debounce <duration> longest a change waits (default: 10s)');
    expect(help).toMatch(/split \(default: 16MiB\)/);
  });

  it.each(['serve', 'bootstrap'])('gives every %s duration and size option a default shown with its unit', async (name) => {
    const cmd = (await program([name])).commands.find((c) => c.name() === name)!;
    const withUnits = cmd.options.filter((o) => /<(duration|bytes)>/.test(o.flags));
    expect(withUnits.length).toBeGreaterThan(0);
    for (const o of withUnits) expect([o.flags, o.defaultValueDescription]).toEqual([o.flags, expect.stringMatching(/^\d+(ms|s|m|h|MiB|KiB)$/)]);
  });

  it('shows the bootstrap certificate lifetime as a duration', async () => {
    const r = await weft('bootstrap', '--help');
    expect(r.out.replace(/\s+/g, ' ')).toContain('(default: 8760h)');
  });

  it('rejects a duration without a unit, naming the flag', async () => {
    const r = await weft('serve', '--example', '--svid-ttl', '5');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--svid-ttl: "5" has no unit/);
  });
});
