/**
 * The service map on the admin API: `/api/v1/graph` and `/api/v1/edges` (data, behind the admin
 * guards like every route), and `/ui` with its script and style (static, no mesh data: open
 * without a token, see auth.ts `publicPaths`; the page then calls the data routes with the token).
 */
import type { RouteOptions } from 'fastify';
import type { ControlPlaneView } from '../controlplane/index.js';
import { edgeListSchema, graphSchema } from './map-schemas.js';
import { UI_SCRIPT } from './ui/map-script.js';
import { UI_CSS, UI_HTML } from './ui/page.js';

/** Static assets: fixed bodies, never cached across weft versions (`no-cache` revalidates). */
function asset(url: string, type: string, body: string, summary: string): RouteOptions {
  return {
    method: 'GET', url, schema: { summary, produces: type, response: { 200: { type: 'string' } } } as Record<string, unknown>,
    handler: (_req, reply) => reply.type(type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(body),
  } as RouteOptions;
}

export function mapRoutes(view: ControlPlaneView, errorSchema: unknown): RouteOptions[] {
  return [
    {
      method: 'GET', url: '/api/v1/graph',
      schema: { summary: 'The service map: services, their proxies\' sync status, route and observed traffic edges', response: { 200: graphSchema, 401: errorSchema } },
      handler: () => view.graph(),
    } as RouteOptions,
    {
      method: 'GET', url: '/api/v1/edges',
      schema: { summary: 'Golden metrics per edge streamed by the sidecars (rate, error rate, p99 over 30 s; totals)', response: { 200: edgeListSchema, 401: errorSchema } },
      handler: () => ({ edges: view.edges() }),
    } as RouteOptions,
    asset('/ui', 'text/html; charset=utf-8', UI_HTML, 'The live service map (a web page)'),
    asset('/ui/map.js', 'text/javascript; charset=utf-8', UI_SCRIPT, 'The service map\'s script'),
    asset('/ui/map.css', 'text/css; charset=utf-8', UI_CSS, 'The service map\'s style'),
  ];
}
