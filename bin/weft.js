#!/usr/bin/env node
// Runs the compiled CLI in dist/ (`npm run build`; `npm ci` builds through `prepare`, and
// `npm start` / `npm run weft` rebuild first when the sources are newer). tsx is a dev tool only.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('weft: not built (no dist/src/cli/main.js); run `npm run build` in the checkout (npm ci does it)\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exit(await main(process.argv.slice(2)));
