/** The static registry reads its file only when it is a regular file inside its directory. */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaticRegistrySource } from '../../src/discovery/index.js';
import { formatDiagnostic, type Diagnostic } from '../../src/policy/index.js';
import { waitFor } from './helpers.js';

const REGISTRY = 'services:\n  - name: reviews\n    ports: [{ name: http, port: 9080 }]\n';

let base = '';
let dir = '';
let source: StaticRegistrySource | undefined;
beforeEach(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'weft-regsafety-'));
  dir = path.join(base, 'registry');
  await mkdir(dir);
});
afterEach(async () => {
  await source?.stop();
  source = undefined;
  await rm(base, { recursive: true, force: true });
});

async function startError(file: string, maxFileBytes?: number): Promise<string> {
  source = new StaticRegistrySource(file, { maxFileBytes });
  return source.start().then(() => 'started', (e: Error) => e.message);
}

describe('registryFileMustBeInsideItsDirectory', () => {
  it.skipIf(process.platform !== 'linux')('refuses a symlink to /proc/self/environ and echoes none of it', async () => {
    const file = path.join(dir, 'registry.yaml');
    await symlink('/proc/self/environ', file);
    const message = await startError(file);
    expect(message).toMatch(/registry\.yaml:1:1: error: registry file refused: it resolves to "\/proc\/\d+\/environ", outside its directory \[WEFT1019\]/);
    for (const e of readFileSync('/proc/self/environ', 'latin1').split('\0').filter((x) => x.length >= 12)) expect(message).not.toContain(e);
  });

  it('refuses a symlink to a registry file in another directory', async () => {
    await writeFile(path.join(base, 'other.yaml'), REGISTRY);
    await symlink(path.join(base, 'other.yaml'), path.join(dir, 'registry.yaml'));
    expect(await startError(path.join(dir, 'registry.yaml'))).toMatch(/outside its directory \[WEFT1019\]/);
  });

  it('follows a ConfigMap-style link that stays in the directory', async () => {
    await mkdir(path.join(dir, '..data'));
    await writeFile(path.join(dir, '..data', 'registry.yaml'), REGISTRY);
    await symlink('..data/registry.yaml', path.join(dir, 'registry.yaml'));
    expect(await startError(path.join(dir, 'registry.yaml'))).toBe('started');
    expect([...source!.current().services.keys()]).toEqual(['reviews.default']);
  });

  it('enforces the size limit while reading', async () => {
    await writeFile(path.join(dir, 'registry.yaml'), REGISTRY);
    expect(await startError(path.join(dir, 'registry.yaml'), 32)).toMatch(/registry file refused: it is over the 32-byte limit \[WEFT1010\]/);
  });
});

describe('registryRejectionOnReloadIsPositioned', () => {
  it('reports a rejected reload with file:line:col and field path, as the log shows it', async () => {
    const file = path.join(dir, 'registry.yaml');
    await writeFile(file, REGISTRY);
    source = new StaticRegistrySource(file, { debounceMs: 10 });
    const errors: (readonly Diagnostic[])[] = [];
    source.onError((d) => errors.push(d));
    await source.start();
    await writeFile(file, REGISTRY.replace('    ports:', '    serviceAccount: "x/../y"\n    ports:'));
    await waitFor('the rejection', () => errors.length > 0);
    expect(formatDiagnostic(errors[0]![0]!)).toMatch(/^.*registry\.yaml:3:21 services\[0\]\.serviceAccount: error: service account "x\/\.\.\/y" is not a DNS-1123 subdomain .*\[WEFT3005\]$/);
    expect([...source.current().services.keys()]).toEqual(['reviews.default']);
  });
});
