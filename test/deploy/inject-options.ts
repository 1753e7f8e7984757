/** Injection options for the tests: the defaults plus a fixed mesh trust bundle (token identity needs one). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS, type InjectOptions } from '../../src/inject/index.js';

export const CA_BUNDLE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../testdata/inject/ca-bundle.pem');
export const TEST_OPTIONS: InjectOptions = Object.freeze({ ...DEFAULT_OPTIONS, caBundle: readFileSync(CA_BUNDLE_FILE, 'utf8') });
