/**
 * Character classes of RE2's parser in Latin-1 (re2/parse.cc, re2/perl_groups.cc): the Perl
 * classes (`\d \s \w`), POSIX classes (`[:alpha:]`), Unicode groups (`\pL`, `\p{Greek}`; only
 * their Latin-1 members matter, taken from JavaScript's own Unicode tables), and `AddUGroup`'s
 * rule for negated groups under case folding. Classes are 256-entry membership tables.
 */
import { Flag, foldTable } from './re2-ast.js';

export const PERL: Record<string, string> = { d: '0-9', s: '\t\n\f\r ', w: '0-9A-Za-z_' };
export const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\x00-\x7f', blank: '\t ', cntrl: '\x00-\x1f\x7f', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-/:-@[-`{-~', space: '\t\n\v\f\r ', upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** A membership table from a range spec such as `0-9A-Za-z_`. */
export function spec(s: string): boolean[] {
  const t = new Array<boolean>(256).fill(false);
  for (let i = 0; i < s.length; i++) {
    const lo = s.charCodeAt(i);
    const hi = s[i + 1] === '-' && i + 2 < s.length ? s.charCodeAt((i += 2)) : lo;
    for (let c = lo; c <= hi; c++) t[c] = true;
  }
  return t;
}

/** Members of a Unicode group (`L`, `Lu`, `Greek`, `Any`) within Latin-1. */
export function unicodeGroup(name: string): boolean[] {
  if (name === 'Any') return new Array<boolean>(256).fill(true);
  let re: RegExp;
  try {
    re = new RegExp(`^\\p{${name}}$`, 'u');
  } catch {
    re = new RegExp(`^\\p{Script=${name}}$`, 'u');
  }
  return Array.from({ length: 256 }, (_, c) => re.test(String.fromCharCode(c)));
}

/** RE2's `AddUGroup`: a negated group with folding is folded first, then negated. */
export function addGroup(into: boolean[], group: readonly boolean[], negated: boolean, flags: number): void {
  const pos = flags & Flag.fold ? foldTable(group) : group;
  for (let c = 0; c < 256; c++) if (negated ? !pos[c] : pos[c]) into[c] = true;
}
