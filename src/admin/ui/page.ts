/**
 * The live service map's page shell and style (`/ui`, `/ui/map.css`). No CDN, no web fonts: the
 * page works from the admin API alone. The shell carries no mesh data; the script (map-script.ts)
 * reads `/api/v1/graph` with the same guards as every admin route (loopback, or the bearer token,
 * which the page asks for once and keeps in sessionStorage).
 */

export const UI_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>weft service map</title>
<link rel="stylesheet" href="/ui/map.css">
</head>
<body>
<header>
  <h1>weft service map</h1>
  <span id="status" data-testid="status">loading…</span>
  <span class="legend"><i class="dot SYNCED"></i>synced <i class="dot STALE"></i>stale <i class="dot NACKED"></i>nacked
    <i class="line traffic"></i>traffic <i class="line route"></i>route weight</span>
</header>
<section id="nacks" data-testid="nacks" hidden></section>
<main>
  <div id="map-wrap"><svg id="map" data-testid="map" xmlns="http://www.w3.org/2000/svg"></svg></div>
  <aside id="detail" data-testid="detail"><p class="hint">Select a service for its proxies and edges.</p></aside>
</main>
<script src="/ui/map.js"></script>
</body>
</html>
`;

export const UI_CSS = `
:root { --bg: #f7f7f5; --fg: #1d232a; --muted: #6b7480; --ok: #2e9e5b; --warn: #d4a017; --bad: #c93c3c; --edge: #4a6fa5; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; gap: 16px; align-items: baseline; padding: 8px 16px; border-bottom: 1px solid #ddd; background: #fff; }
h1 { font-size: 16px; margin: 0; }
#status { color: var(--muted); }
.legend { margin-left: auto; color: var(--muted); }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin: 0 3px 0 10px; vertical-align: middle; }
.dot.SYNCED { background: var(--ok); } .dot.STALE { background: var(--warn); } .dot.NACKED { background: var(--bad); }
.line { display: inline-block; width: 22px; height: 0; margin: 0 3px 0 10px; vertical-align: middle; border-top: 2px solid var(--edge); }
.line.route { border-top: 2px dashed #8a8f98; }
#nacks { background: #fdecec; color: #7a1f1f; border-bottom: 1px solid #f3c2c2; padding: 6px 16px; }
#nacks div { margin: 2px 0; }
main { display: flex; height: calc(100vh - 42px); }
#map-wrap { flex: 1; overflow: auto; }
#detail { width: 340px; border-left: 1px solid #ddd; background: #fff; padding: 10px 14px; overflow: auto; }
.hint { color: var(--muted); }
svg text { font: 12px system-ui, sans-serif; fill: var(--fg); }
.ns-box { fill: #eef1f4; stroke: #d5dbe1; }
.ns-label { font-weight: 600; fill: var(--muted); }
.node rect { fill: #fff; stroke: #9aa5b1; rx: 6; }
.node.workload rect { stroke-dasharray: 4 3; }
.node.selected rect { stroke: var(--edge); stroke-width: 2; }
.node.nacked rect { stroke: var(--bad); stroke-width: 2; }
.node .sub { fill: var(--muted); font-size: 11px; }
.edge { fill: none; stroke: var(--edge); stroke-opacity: .75; }
.edge.route { stroke: #8a8f98; stroke-dasharray: 5 4; }
.edge.errors { stroke: var(--bad); }
.edge.plaintext { stroke-dasharray: 2 3; }
.edge-label { font-size: 11px; fill: #33415c; paint-order: stroke; stroke: var(--bg); stroke-width: 3px; stroke-linejoin: round; }
.edge-label.bad { fill: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
td, th { text-align: left; padding: 2px 4px; border-bottom: 1px solid #eee; font-size: 12px; vertical-align: top; }
`;
