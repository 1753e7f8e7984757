import { describe, expect, it } from 'vitest';
import { literalHeaderValue } from '../../src/translate/envoy/routes.js';
import { firstRoute } from './routes-helpers.js';

describe('header values are literal: every % is escaped for Envoy\'s substitution formatter (issue 11 #6)', () => {
  const cases: [name: string, value: string, sent: string][] = [
    ['percentSignIsDoubled', '50%', '50%%'],
    ['formatCommandIsNotExpanded', '%DOWNSTREAM_REMOTE_ADDRESS%', '%%DOWNSTREAM_REMOTE_ADDRESS%%'],
    ['alreadyDoubledStaysLiteral', '100%%', '100%%%%'],
    ['valueWithoutPercentIsUnchanged', 'weft', 'weft'],
  ];
  for (const [name, value, sent] of cases) {
    it(name, () => expect(literalHeaderValue(value)).toBe(sent));
  }

  it('requestAndResponseHeadersToAddCarryTheEscapedValue', () => {
    const { envoy } = firstRoute([{ requestHeaders: { add: { 'x-share': '50%' } }, responseHeaders: { add: { 'x-cache': '0%' }, remove: ['x-debug'] } }]);
    expect(envoy?.request_headers_to_add).toEqual([{ header: { key: 'x-share', value: '50%%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect(envoy?.response_headers_to_add).toEqual([{ header: { key: 'x-cache', value: '0%%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect(envoy?.response_headers_to_remove).toEqual(['x-debug']);
  });

  it('theIrKeepsTheLiteralValue', () => {
    const { result } = firstRoute([{ requestHeaders: { add: { 'x-share': '50%' } } }]);
    expect(result.vhost.routes[0]?.requestHeaders?.add).toEqual([{ name: 'x-share', value: '50%' }]);
  });
});
