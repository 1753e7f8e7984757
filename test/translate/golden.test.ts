import { readdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TranslationCache, translate } from '../../src/translate/index.js';
import { loadCase } from './fixture.js';
import { canonical, envoyView, golden } from './golden.js';

const dir = path.resolve(import.meta.dirname, '../../testdata/translate');
const cases = readdirSync(dir).filter((f) => f.endsWith('.in.yaml')).map((f) => f.slice(0, -'.in.yaml'.length)).sort();

describe('translation goldens (testdata/translate/<case>.in.yaml → .ir.yaml → .envoy.yaml)', () => {
  for (const name of cases) {
    it(`translates ${name} to its golden IR and Envoy resources`, () => {
      const { model, proxy } = loadCase(path.join(dir, `${name}.in.yaml`));
      const result = translate({ model, proxy, cache: new TranslationCache() });
      const ir = canonical(result.ir);
      const envoy = canonical(envoyView(result));
      expect(ir).toBe(golden(path.join(dir, `${name}.ir.yaml`), ir));
      expect(envoy).toBe(golden(path.join(dir, `${name}.envoy.yaml`), envoy));
    });
  }

  it('has no orphaned golden files (UPDATE_GOLDEN=1 deletes them)', () => {
    const orphans = readdirSync(dir).filter((f) => /\.(ir|envoy)\.yaml$/.test(f) && !cases.includes(f.replace(/\.(ir|envoy)\.yaml$/, '')));
    if (process.env.UPDATE_GOLDEN === '1') for (const f of orphans) unlinkSync(path.join(dir, f));
    else expect(orphans).toEqual([]);
  });
});
