/**
 * Regex checks for route and header matches. Envoy evaluates `safe_regex` with Google RE2, which
 * guarantees linear time by leaving out lookaround and backreferences; JavaScript accepts both. A
 * pattern must therefore compile in JavaScript (`new RegExp`) AND use no construct RE2 rejects,
 * or the load would pass here and be NACKed by every Envoy.
 * See https://github.com/google/re2/wiki/Syntax.
 */

/** Why `pattern` is not usable by both engines, or undefined when it is. */
export function re2Problem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (e) {
    return (e as Error).message;
  }
  return scanForUnsupported(pattern);
}

const GROUP_PROBLEMS: readonly [string, string][] = [
  ['(?=', 'lookahead is not supported by RE2'],
  ['(?!', 'negative lookahead is not supported by RE2'],
  ['(?<=', 'lookbehind is not supported by RE2'],
  ['(?<!', 'negative lookbehind is not supported by RE2'],
  ['(?>', 'atomic groups are not supported by RE2'],
];

/** Walks the pattern outside character classes looking for RE2-unsupported syntax. */
function scanForUnsupported(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return `backreference \\${next} is not supported by RE2`;
      if (!inClass && next === 'k' && pattern[i + 2] === '<') return 'named backreferences are not supported by RE2';
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
    } else if (c === '(') {
      const hit = GROUP_PROBLEMS.find(([prefix]) => pattern.startsWith(prefix, i));
      if (hit) return hit[1];
    }
  }
  return undefined;
}
