/**
 * The redirection rules of `weft inject`, checked by what they do: a small evaluator walks the
 * `nat` table that iptables-restore would load (only the matches the rules use: -p tcp, --dport,
 * -d, --uid-owner, --gid-owner; targets -j CHAIN, RETURN, REDIRECT) for one connection at a time.
 */
import { describe, expect, it } from 'vitest';
import { iptablesRules, iptablesScript, PROXY_UID } from '../../src/inject/index.js';

interface Conn {
  readonly hook: 'PREROUTING' | 'OUTPUT';
  readonly dst: string;
  readonly dport: number;
  readonly uid?: number;
}

type Rule = Record<string, string>;

function parse(text: string): Map<string, Rule[]> {
  const chains = new Map<string, Rule[]>();
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) chains.set(line.slice(1).split(' ')[0]!, []);
    if (!line.startsWith('-A ')) continue;
    const words = line.split(' ');
    const rule: Rule = {};
    for (let i = 2; i < words.length; i += 2) rule[words[i]!] = words[i + 1]!;
    if (!chains.has(words[1]!)) chains.set(words[1]!, []);
    chains.get(words[1]!)!.push(rule);
  }
  return chains;
}

/** The port the connection is redirected to, or undefined when it passes untouched. */
function evaluate(chains: Map<string, Rule[]>, chain: string, c: Conn): number | undefined | 'return' {
  for (const r of chains.get(chain) ?? []) {
    if (r['-p'] && r['-p'] !== 'tcp') continue;
    if (r['--dport'] && Number(r['--dport']) !== c.dport) continue;
    if (r['-d'] && r['-d'] !== `${c.dst}/32`) continue;
    if (r['--uid-owner'] && Number(r['--uid-owner']) !== c.uid) continue;
    if (r['--gid-owner'] && Number(r['--gid-owner']) !== c.uid) continue;
    const target = r['-j']!;
    if (target === 'RETURN') return 'return';
    if (target === 'REDIRECT') return Number(r['--to-ports']);
    const inner = evaluate(chains, target, c);
    if (inner !== 'return') return inner;
  }
  return chain === c.hook ? undefined : 'return';
}

const rules = parse(iptablesRules({ excludeInboundPorts: [8081], excludeOutboundPorts: [18000, 18001, 5432] }));
const route = (c: Conn) => {
  const r = evaluate(rules, c.hook, c);
  return r === 'return' ? undefined : r;
};

describe('inject iptables rules', () => {
  it('sends the application\'s outbound connections to the virtual outbound listener', () => {
    expect(route({ hook: 'OUTPUT', dst: '10.0.3.7', dport: 9080, uid: 1000 })).toBe(15001);
  });

  it('never redirects the proxy\'s own connections (no loop)', () => {
    expect(route({ hook: 'OUTPUT', dst: '10.0.3.7', dport: 9080, uid: PROXY_UID })).toBeUndefined();
  });

  it('leaves loopback, the control plane ports and excluded outbound ports alone', () => {
    expect(route({ hook: 'OUTPUT', dst: '127.0.0.1', dport: 9080, uid: 1000 })).toBeUndefined();
    expect(route({ hook: 'OUTPUT', dst: '10.96.0.20', dport: 18000, uid: 1000 })).toBeUndefined();
    expect(route({ hook: 'OUTPUT', dst: '10.96.0.20', dport: 18001, uid: 1000 })).toBeUndefined();
    expect(route({ hook: 'OUTPUT', dst: '10.0.9.1', dport: 5432, uid: 1000 })).toBeUndefined();
  });

  it('sends inbound connections to the inbound listener except the stats port and excluded ports', () => {
    expect(route({ hook: 'PREROUTING', dst: '10.0.3.8', dport: 9080 })).toBe(15006);
    expect(route({ hook: 'PREROUTING', dst: '10.0.3.8', dport: 15090 })).toBeUndefined();
    expect(route({ hook: 'PREROUTING', dst: '10.0.3.8', dport: 8081 })).toBeUndefined();
  });

  it('is one nat commit that keeps other NAT rules and leaves one jump per hook when re-run', () => {
    const text = iptablesRules({ excludeInboundPorts: [], excludeOutboundPorts: [] });
    expect(text.startsWith('*nat\n')).toBe(true);
    expect(text.trimEnd().endsWith('COMMIT')).toBe(true);
    expect(text.match(/^\*/gm)).toHaveLength(1);
    // Builtin chains are not declared: with --noflush that would reset their policy.
    expect(text).not.toMatch(/^:(PREROUTING|INPUT|OUTPUT|POSTROUTING) /m);
    const script = iptablesScript({ excludeInboundPorts: [], excludeOutboundPorts: [] });
    expect(script).toContain(`iptables-restore --noflush <<'EOF'\n${text}EOF\n`);
    for (const jump of text.split('\n').filter((l) => /^-A (PREROUTING|OUTPUT) /.test(l))) {
      const del = `iptables -t nat -D ${jump.slice(3)} 2>/dev/null || true`;
      expect(script.indexOf(del)).toBeGreaterThanOrEqual(0);
      expect(script.indexOf(del)).toBeLessThan(script.indexOf('iptables-restore'));
    }
  });
});
