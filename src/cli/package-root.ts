/**
 * The directory of weft's package.json, found from this module's location, so bundled assets
 * (examples/) resolve the same from src/ under tsx and from the compiled dist/src/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** Absolute path of the package root (the directory holding package.json, examples/, proto/). */
export const packageRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));
