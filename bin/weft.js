#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (a runtime dependency), so `weft` works from a
// clean `npm ci` without a build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const { main } = await import(fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)));
process.exit(await main(process.argv.slice(2)));
