/**
 * Who an access rule matches when it names no caller, per action and mTLS mode (issue 10 #3):
 * a deny rule matches every caller; an allow rule every authenticated caller (anyone when mTLS is
 * disabled, since then nobody is authenticated).
 */
import { describe, expect, it } from 'vitest';
import type { AccessPolicy, MtlsMode, ServicePort } from '../../src/model/index.js';
import { authzOf } from '../../src/translate/build-authz.js';

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
