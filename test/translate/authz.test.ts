/**
 * Who an access rule matches when it names no caller, per action and mTLS mode (issue 10 #3):
 * a deny rule matches every caller; an allow rule every authenticated caller (anyone when mTLS is
 * disabled, since then nobody is authenticated).
 */
import { describe, expect, it } from 'vitest';
import type { AccessPolicy, MtlsMode, ServicePort } from '../../src/model/index.js';
import { authzOf, customRulesOf } from '../../src/translate/build-authz.js';

const port: ServicePort = { name: 'http', port: 80, targetPort: 8080, protocol: 'http' };
const principalsOf = (action: 'allow' | 'deny', mtls: MtlsMode, rule: AccessPolicy['rules'][number]) => {
  const authz = authzOf({ trustDomain: 'td', mtls }, [{ service: 'web.ns', action, rules: [rule] }], port, false, []);
  return (action === 'deny' ? authz.deny : authz.allow!)[0]!.principals;
};
const ANY = [{ any: true }];
const AUTHENTICATED = [{ identityPrefix: 'spiffe://td/' }];

describe('principals of a rule without a source', () => {
  const table: [string, 'allow' | 'deny', MtlsMode, AccessPolicy['rules'][number], unknown][] = [
    ['deny, strict, no from', 'deny', 'strict', { to: { paths: ['/admin'] } }, ANY],
    ['deny, permissive, no from', 'deny', 'permissive', { to: { paths: ['/admin'] } }, ANY],
    ['deny, disabled, no from', 'deny', 'disabled', {}, ANY],
    ['deny, permissive, empty from', 'deny', 'permissive', { from: [] }, ANY],
    ['allow, strict, no from', 'allow', 'strict', { to: { methods: ['GET'] } }, AUTHENTICATED],
    ['allow, permissive, no from', 'allow', 'permissive', {}, AUTHENTICATED],
    ['allow, disabled, no from', 'allow', 'disabled', {}, ANY],
    ['deny, permissive, namespace', 'deny', 'permissive', { from: [{ namespace: 'x' }] }, [{ identityPrefix: 'spiffe://td/ns/x/sa/' }]],
    ['allow, strict, service account', 'allow', 'strict', { from: [{ serviceAccount: 'a.x' }] }, [{ identityExact: 'spiffe://td/ns/x/sa/a' }]],
  ];
  for (const [name, action, mtls, rule, expected] of table) {
    it(name, () => expect(principalsOf(action, mtls, rule)).toEqual(expected));
  }
});

describe('custom (external authorization) rules', () => {
  const custom: AccessPolicy = { service: 'web.ns', action: 'custom', provider: 'authz', rules: [{ to: { paths: ['/api/*'], ports: [80] } }, { to: { ports: [81] } }] };
  const allow: AccessPolicy = { service: 'web.ns', action: 'allow', rules: [{ from: [{ namespace: 'x' }] }] };

  it('neverEnterTheAllowOrDenyStages', () => {
    expect(authzOf({ trustDomain: 'td', mtls: 'strict' }, [custom], port, false, [])).toEqual({ deny: [] });
    expect(authzOf({ trustDomain: 'td', mtls: 'strict' }, [custom, allow], port, false, []).allow!.map((r) => r.name)).toEqual(['web.ns/allow/1/0']);
  });

  it('areBuiltAsDenyRulesForThePortTheyApplyTo', () => {
    const c = customRulesOf({ trustDomain: 'td', mtls: 'strict' }, [allow, custom], port, false, [])!;
    expect(c.provider).toBe('authz');
    expect(c.rules.map((r) => [r.name, r.principals, r.permission?.ignoreCase])).toEqual([['web.ns/custom/1/0', ANY, true]]);
    // Every spelling of the path, exactly as a deny rule covers it.
    const deny = authzOf({ trustDomain: 'td', mtls: 'strict' }, [allow, { ...custom, action: 'deny' }], port, false, []).deny[0]!;
    expect(c.rules[0]!.permission).toEqual(deny.permission);
    expect(customRulesOf({ trustDomain: 'td', mtls: 'strict' }, [allow], port, false, [])).toBeUndefined();
  });
});
