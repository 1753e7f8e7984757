/** The demo's rendering: replies grouped by the first hop's version, one line or one screen. */
import { describe, expect, it } from 'vitest';
import { byVersion, renderLine, renderScreen } from '../../scripts/mesh/bars.js';

const counts = { 'reviews-v1': 45, 'reviews-v2>ratings': 40, 'reviews-v3>ratings': 10, 'error 14': 5 };

describe('demo bars', () => {
  it('groups replies by the instance that answered first and counts errors apart', () => {
    expect(byVersion(counts)).toEqual({ rows: [['reviews-v1', 45], ['reviews-v2', 40], ['reviews-v3', 10]], errors: 5, total: 100 });
  });

  it('renders one plain line per interval for pipes and logs', () => {
    expect(renderLine({ elapsedS: 3, counts, via: 'proxyless gRPC', policyVersion: '0123456789abcdef' }))
      .toBe('t=3s calls=100 reviews-v1 45% reviews-v2 40% reviews-v3 10% errors=5 policy=0123456789ab\n');
  });

  it('draws bars proportional to the shares, without colour codes unless asked, and shows a rejected policy', () => {
    const screen = renderScreen({ elapsedS: 3, counts, via: 'an Envoy sidecar', policyVersion: 'v', policyError: '  reviews.yaml:7:5 bad weight [X]' }, '/p/reviews.yaml', false);
    const v2 = screen.split('\n').find((l) => l.includes('reviews-v2'))!;
    expect(v2.match(/█/g)).toHaveLength(20);
    expect(screen).not.toContain('\x1b[');
    expect(screen).toContain('frontend → reviews (an Envoy sidecar), 100 calls');
    expect(screen).toContain('reviews.yaml:7:5 bad weight [X]');
    expect(screen).toContain('edit the weights in /p/reviews.yaml');
    expect(renderScreen({ elapsedS: 0, counts: {}, via: 'proxyless gRPC', policyVersion: 'v' }, 'f', true)).toContain('\x1b[32m');
  });
});
