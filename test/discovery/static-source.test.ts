import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticRegistrySource } from '../../src/discovery/index.js';
import { record, waitFor } from './helpers.js';

const reg = (reviewsVersion: string, extra = '') => `services:
  - name: reviews
    ports: [{ name: http, port: 9080 }]
    endpoints:
      - { address: 10.0.0.1, labels: { version: ${reviewsVersion} } }
  - name: ratings
    ports: [{ name: http, port: 9080 }]
    endpoints: [{ address: 10.0.0.2 }]
${extra}`;

describe('StaticRegistrySource', () => {
  let dir: string;
  let file: string;
  let source: StaticRegistrySource;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-reg-'));
    file = path.join(dir, 'registry.yaml');
  });
  afterEach(async () => {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function started(text: string) {
    writeFileSync(file, text);
    source = new StaticRegistrySource(file, { debounceMs: 20 });
    const rec = record(source);
    await source.start();
    return rec;
  }

  it('loads the file, is synced, and publishes the initial registry as all-added', async () => {
    const rec = await started(reg('v1'));
    expect(source.synced).toBe(true);
    expect([...source.current().services.keys()]).toEqual(['ratings.default', 'reviews.default']);
    expect(rec.changes).toHaveLength(1);
    expect([...rec.changes[0]!.changed].sort()).toEqual(['ratings.default', 'reviews.default']);
    expect(source.current().services.get('reviews.default')?.hostname).toBe('reviews.default.svc.cluster.local');
  });

  it('rejects start() with the diagnostics when the first load fails', async () => {
    writeFileSync(file, 'services:\n  - name: x\n    bogus: 1\n');
    source = new StaticRegistrySource(file);
    await expect(source.start()).rejects.toThrow(/registry.yaml:3:5 services\[0\]\.bogus: error: unknown field/);
    expect(source.synced).toBe(false);
  });

  it('rejects start() clearly when the file or its directory is missing', async () => {
    source = new StaticRegistrySource(path.join(dir, 'absent.yaml'));
    await expect(source.start()).rejects.toThrow(/absent\.yaml:1:1: error: cannot read the registry file: ENOENT.*\[WEFT1016\]/);
    source = new StaticRegistrySource(path.join(dir, 'no-such-dir', 'r.yaml'));
    await expect(source.start()).rejects.toThrow(/cannot watch the registry directory .*no-such-dir/);
  });

  it('sees a rename-replace and keeps the identity of unchanged services', async () => {
    const rec = await started(reg('v1'));
    const ratings = source.current().services.get('ratings.default');
    const tmp = path.join(dir, '.registry.yaml.tmp');
    writeFileSync(tmp, reg('v2'));
    renameSync(tmp, file);
    await waitFor('the reload', () => rec.changes.length === 2);
    const change = rec.changes[1]!;
    expect([...change.changed]).toEqual(['reviews.default']);
    expect(change.registry.services.get('ratings.default')).toBe(ratings);
    expect(change.registry.services.get('reviews.default')?.endpoints[0]?.labels.version).toBe('v2');
    expect(change.registry.version).not.toBe(rec.changes[0]!.registry.version);
  });

  it('sees an in-place write, and a second rename after it', async () => {
    const rec = await started(reg('v1'));
    writeFileSync(file, reg('v1', '  - name: details\n    ports: [{ name: http, port: 9080 }]\n'));
    await waitFor('the in-place reload', () => rec.changes.length === 2);
    expect([...rec.changes[1]!.changed]).toEqual(['details.default']);
    writeFileSync(path.join(dir, 'next'), reg('v1'));
    renameSync(path.join(dir, 'next'), file);
    await waitFor('the rename reload', () => rec.changes.length === 3);
    expect([...rec.changes[2]!.changed]).toEqual(['details.default']);
    expect(rec.changes[2]!.registry.services.has('details.default')).toBe(false);
  });

  it('rejects a truncated file and keeps the last good registry', async () => {
    const rec = await started(reg('v1'));
    const good = source.current();
    const text = reg('v2');
    writeFileSync(file, text.slice(0, text.indexOf('10.0.0.1') + 4));
    await waitFor('the rejection', () => rec.errors.length === 1);
    expect(rec.errors[0]![0]).toMatchObject({ code: 'WEFT1001', source: { file } });
    expect(source.current()).toBe(good);
    expect(rec.changes).toHaveLength(1);
    writeFileSync(file, text);
    await waitFor('recovery', () => rec.changes.length === 2);
    expect([...rec.changes[1]!.changed]).toEqual(['reviews.default']);
  });

  it('rejects invalid YAML and an emptied file, keeping the last good registry', async () => {
    const rec = await started(reg('v1'));
    const good = source.current();
    writeFileSync(file, 'services:\n  - name: "unterminated\n');
    await waitFor('the YAML rejection', () => rec.errors.length === 1);
    writeFileSync(file, '');
    await waitFor('the empty-file rejection', () => rec.errors.length === 2);
    expect(rec.errors[1]![0]!.message).toMatch(/empty/);
    expect(source.current()).toBe(good);
  });

  it('publishes nothing when the content is rewritten unchanged or only comments change', async () => {
    const rec = await started(reg('v1'));
    for (const text of [reg('v1'), '# a comment\n' + reg('v1')]) {
      const evaluated = source.evaluations;
      writeFileSync(file, text);
      await waitFor('the re-read', () => source.evaluations > evaluated);
      expect(rec.changes).toHaveLength(1);
    }
    // A real change afterwards arrives alone: nothing was queued behind the unchanged ones.
    writeFileSync(file, reg('v2'));
    await waitFor('the real change', () => rec.changes.length >= 2);
    expect(rec.changes.map((c) => [...c.changed].sort())).toEqual([['ratings.default', 'reviews.default'], ['reviews.default']]);
    expect(rec.errors).toHaveLength(0);
  });

  it('stops watching after stop()', async () => {
    const rec = await started(reg('v1'));
    await source.stop();
    const evaluated = source.evaluations;
    // A second source watching the same directory sees the write: the signal that it was delivered.
    const witness = new StaticRegistrySource(file, { debounceMs: 20 });
    try {
      const seen = record(witness);
      await witness.start();
      writeFileSync(file, reg('v9'));
      await waitFor('the witness to publish the write', () => seen.changes.length === 2);
    } finally {
      await witness.stop();
    }
    expect(rec.changes).toHaveLength(1);
    expect(source.evaluations).toBe(evaluated);
  });
});
