/**
 * The service map's browser script (`/ui/map.js`), plain ES2020 with no library. It polls
 * `/api/v1/graph` every 2 s and redraws an SVG: namespaces as bands, services in columns by call
 * depth (a long column wraps), services as boxes with one dot per proxy (green SYNCED, amber
 * STALE, red NACKED), subsets with their route weight and observed share (a canary moving shows
 * here), traffic edges with rate, error rate and p99, route edges dashed with their weight, and
 * the NACKs with the policy `file:line` that produced the rejected resources. The layout is
 * deterministic (sorted input, fixed grid), so the picture is stable between polls.
 */
export const UI_SCRIPT = String.raw`(function () {
  'use strict';
  var COL_W = 390, NODE_W = 220, GAP = 18, PER_COL = 14, TOP = 40, LEFT = 30;
  var state = { graph: null, selected: null };
  var svg = document.getElementById('map');

  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }
  function fmt(n, d) { return n === undefined || n === null ? '–' : (Math.round(n * Math.pow(10, d)) / Math.pow(10, d)).toString(); }
  function pct(x) { return fmt(x * 100, 1) + '%'; }

  function headers() {
    var t = sessionStorage.getItem('weft-admin-token');
    return t ? { authorization: 'Bearer ' + t } : {};
  }

  function poll() {
    fetch('/api/v1/graph', { headers: headers() }).then(function (res) {
      if (res.status === 401) {
        var t = window.prompt('weft admin token');
        if (t) sessionStorage.setItem('weft-admin-token', t);
        throw new Error('the admin API wants a bearer token');
      }
      if (!res.ok) throw new Error('GET /api/v1/graph answered ' + res.status);
      return res.json();
    }).then(function (g) {
      state.graph = g;
      render();
      setStatus(g.nodes.length + ' services · ' + g.edges.filter(function (e) { return e.kind === 'traffic'; }).length + ' traffic edges · updated ' + new Date().toLocaleTimeString());
    }).catch(function (err) { setStatus(String(err.message || err)); })
      .then(function () { setTimeout(poll, 2000); });
  }

  function setStatus(s) { document.getElementById('status').textContent = s; }

  /** Box height: a title line, the proxies line, one line per subset. */
  function nodeHeight(n) { return 44 + 15 * n.subsets.length; }

  /** Call depth: 0 for a node nothing calls, else one more than its deepest caller (cycles cut
   * after a few rounds), so calls run left to right. */
  function ranks(g) {
    var r = {}, links = g.edges.filter(function (e) { return e.from !== e.to; });
    g.nodes.forEach(function (n) { r[n.id] = 0; });
    for (var round = 0; round < 6; round++) {
      links.forEach(function (e) { if (r[e.from] !== undefined && r[e.to] !== undefined && r[e.to] <= r[e.from]) r[e.to] = Math.min(5, r[e.from] + 1); });
    }
    return r;
  }

  /** Namespaces as bands, top to bottom; in a band, one column per call depth (a column with
   * more than PER_COL services wraps into the next). Deterministic: sorted input, fixed grid. */
  function layout(g) {
    var pos = {}, boxes = [], y = TOP, rank = ranks(g), width = 0;
    g.namespaces.forEach(function (ns) {
      var nodes = g.nodes.filter(function (n) { return n.namespace === ns; }), cols = [];
      nodes.forEach(function (n) {
        var c = rank[n.id] * 100;
        while (cols[c] && cols[c].length >= PER_COL) c++;
        (cols[c] = cols[c] || []).push(n);
      });
      var x = LEFT + 12, bottom = y + 30;
      cols.forEach(function (col) {
        if (!col) return;
        var cy = y + 30;
        col.forEach(function (n) { pos[n.id] = { x: x, y: cy, w: NODE_W, h: nodeHeight(n) }; cy += nodeHeight(n) + GAP; });
        bottom = Math.max(bottom, cy);
        x += COL_W;
      });
      boxes.push({ ns: ns, x: LEFT, y: y, w: x - LEFT - (COL_W - NODE_W) + 12, h: bottom - y });
      width = Math.max(width, x);
      y = bottom + 24;
    });
    return { pos: pos, boxes: boxes, width: width + 80, height: y + 40 };
  }

  /** Traffic edges merged per (from, to): summed rate, request-weighted error rate, worst p99. */
  function trafficPairs(g) {
    var pairs = {};
    g.edges.forEach(function (e) {
      if (e.kind !== 'traffic') return;
      var k = e.from + '>' + e.to, p = pairs[k];
      if (!p) p = pairs[k] = { from: e.from, to: e.to, rps: 0, err: 0, p99: undefined, mtls: e.mtls, authz: e.authz, subsets: {} };
      p.rps += e.requestsPerSecond || 0;
      p.err += (e.errorRate || 0) * (e.requestsPerSecond || 0);
      if (e.p99Ms !== undefined) p.p99 = Math.max(p.p99 || 0, e.p99Ms);
      p.subsets[e.subset || ''] = (p.subsets[e.subset || ''] || 0) + (e.requestsPerSecond || 0);
      if (e.authz === 'denied') p.authz = 'denied';
    });
    return Object.keys(pairs).sort().map(function (k) { var p = pairs[k]; p.errorRate = p.rps ? p.err / p.rps : 0; return p; });
  }

  function observedShare(g, node) {
    var by = {}, total = 0;
    g.edges.forEach(function (e) {
      if (e.kind !== 'traffic' || e.to !== node.id) return;
      by[e.subset || ''] = (by[e.subset || ''] || 0) + (e.requestsPerSecond || 0);
      total += e.requestsPerSecond || 0;
    });
    return { by: by, total: total };
  }

  function routeWeights(g, node) {
    var w = {};
    g.edges.forEach(function (e) { if (e.kind === 'route' && e.from === node.id && e.to === node.id && e.subset) w[e.subset] = e.weight; });
    return w;
  }

  function curve(a, b) {
    var x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
    if (x2 <= x1) { x1 = a.x + a.w; x2 = b.x + b.w; var dx = 60; return { d: 'M' + x1 + ',' + y1 + ' C' + (x1 + dx) + ',' + y1 + ' ' + (x2 + dx) + ',' + y2 + ' ' + x2 + ',' + y2, mx: Math.max(x1, x2) + dx * 0.75, my: (y1 + y2) / 2 }; }
    var m = (x1 + x2) / 2;
    return { d: 'M' + x1 + ',' + y1 + ' C' + m + ',' + y1 + ' ' + m + ',' + y2 + ' ' + x2 + ',' + y2, mx: m, my: (y1 + y2) / 2 - 4 };
  }

  function renderNode(g, n, p) {
    var nacked = n.proxies.some(function (x) { return x.status === 'NACKED'; });
    var cls = 'node ' + n.kind + (nacked ? ' nacked' : '') + (state.selected === n.id ? ' selected' : '');
    var out = '<g class="' + cls + '" data-id="' + esc(n.id) + '" data-testid="node" transform="translate(' + p.x + ',' + p.y + ')">';
    out += '<rect width="' + p.w + '" height="' + p.h + '"></rect>';
    out += '<text x="10" y="17" font-weight="600">' + esc(n.name) + '</text>';
    var dots = n.proxies.map(function (x, i) { return '<circle cx="' + (16 + i * 12) + '" cy="31" r="4.5" class="dot-' + x.status + '" fill="' + ({ SYNCED: '#2e9e5b', STALE: '#d4a017', NACKED: '#c93c3c' }[x.status]) + '"><title>' + esc(x.id + ': ' + x.status) + '</title></circle>'; }).join('');
    out += n.proxies.length ? dots : '<text x="10" y="35" class="sub">no proxies</text>';
    var share = observedShare(g, n), w = routeWeights(g, n);
    n.subsets.forEach(function (s, i) {
      var seen = share.total ? pct((share.by[s] || 0) / share.total) : '–';
      out += '<text x="10" y="' + (52 + i * 15) + '" class="sub" data-testid="subset">' + esc(s) + '  route ' + (w[s] !== undefined ? w[s] + '%' : '–') + '  seen ' + seen + '</text>';
    });
    return out + '</g>';
  }

  function render() {
    // Labels go after the nodes, so a box never hides the figures of an edge that passes it.
    var g = state.graph, L = layout(g), out = '', labels = '';
    svg.setAttribute('width', L.width); svg.setAttribute('height', L.height);
    L.boxes.forEach(function (b) {
      out += '<rect class="ns-box" x="' + b.x + '" y="' + b.y + '" width="' + b.w + '" height="' + b.h + '" rx="8"></rect>';
      out += '<text class="ns-label" x="' + (b.x + 10) + '" y="' + (b.y + 16) + '">namespace ' + esc(b.ns) + '</text>';
    });
    g.edges.forEach(function (e) {
      if (e.kind !== 'route' || e.from === e.to || !L.pos[e.from] || !L.pos[e.to]) return;
      var c = curve(L.pos[e.from], L.pos[e.to]);
      out += '<path class="edge route" data-testid="route-edge" d="' + c.d + '" stroke-width="1.5"><title>' + esc(e.from + ' → ' + e.to + (e.subset ? ' ' + e.subset : '') + ' weight ' + e.weight + '% ' + (e.source || '')) + '</title></path>';
      labels += '<text class="edge-label" text-anchor="middle" x="' + c.mx + '" y="' + (c.my + 14) + '">' + esc((e.subset || e.to) + ' ' + e.weight + '%') + '</text>';
    });
    trafficPairs(g).forEach(function (p) {
      if (!L.pos[p.from] || !L.pos[p.to]) return;
      var c = curve(L.pos[p.from], L.pos[p.to]), width = Math.min(8, 1.5 + Math.log(1 + p.rps) * 1.5);
      var cls = 'edge traffic' + (p.errorRate > 0.05 ? ' errors' : '') + (p.mtls === 'disabled' ? ' plaintext' : '');
      var label = fmt(p.rps, 2) + ' rps · ' + pct(p.errorRate) + ' err · p99 ' + (p.p99 === undefined ? '–' : fmt(p.p99, 1) + ' ms');
      out += '<path class="' + cls + '" data-testid="traffic-edge" data-from="' + esc(p.from) + '" data-to="' + esc(p.to) + '" d="' + c.d + '" stroke-width="' + width + '"><title>' + esc(p.from + ' → ' + p.to + ': ' + label + ' · mTLS ' + p.mtls + ' · authz ' + p.authz) + '</title></path>';
      labels += '<text class="edge-label' + (p.errorRate > 0.05 ? ' bad' : '') + '" data-testid="edge-label" data-from="' + esc(p.from) + '" data-to="' + esc(p.to) + '" text-anchor="middle" x="' + c.mx + '" y="' + c.my + '">' + esc(label) + '</text>';
      labels += '<text class="edge-label" text-anchor="middle" x="' + c.mx + '" y="' + (c.my + 12) + '">' + esc('mTLS ' + p.mtls + ' · authz ' + p.authz) + '</text>';
    });
    g.nodes.forEach(function (n) { out += renderNode(g, n, L.pos[n.id]); });
    svg.innerHTML = out + labels;
    renderNacks(g);
    if (state.selected) renderDetail(g.nodes.find(function (n) { return n.id === state.selected; }));
  }

  function renderNacks(g) {
    var rows = [];
    g.nodes.forEach(function (n) {
      n.proxies.forEach(function (p) {
        if (p.nack) rows.push('<div data-testid="nack">NACK ' + esc(p.nack.type) + ' from ' + esc(p.id) + ' (' + esc(n.id) + '): ' + esc(p.nack.message) + (p.nack.sources.length ? ' — policy ' + esc(p.nack.sources.join(', ')) : '') + '</div>');
      });
    });
    var el = document.getElementById('nacks');
    el.hidden = rows.length === 0;
    el.innerHTML = rows.join('');
  }

  function renderDetail(n) {
    var el = document.getElementById('detail');
    if (!n) { el.innerHTML = '<p class="hint">Select a service for its proxies and edges.</p>'; return; }
    var g = state.graph, html = '<h2>' + esc(n.id) + '</h2>' + (n.hostname ? '<p>' + esc(n.hostname) + '</p>' : '');
    html += '<h3>Proxies</h3><table><tr><th>proxy</th><th>status</th></tr>' + n.proxies.map(function (p) {
      return '<tr><td>' + esc(p.id) + '</td><td>' + esc(p.status) + (p.nack ? '<br>' + esc(p.nack.message) + '<br>' + esc(p.nack.sources.join(', ')) : '') + '</td></tr>';
    }).join('') + '</table>';
    var edges = g.edges.filter(function (e) { return e.from === n.id || e.to === n.id; });
    html += '<h3>Edges</h3><table><tr><th>edge</th><th>figures</th><th>security</th></tr>' + edges.map(function (e) {
      var fig = e.kind === 'route' ? 'route weight ' + e.weight + '%' + (e.source ? ' (' + e.source + ')' : '') : fmt(e.requestsPerSecond, 2) + ' rps, ' + pct(e.errorRate || 0) + ' err, p99 ' + (e.p99Ms === undefined ? '–' : fmt(e.p99Ms, 1) + ' ms');
      return '<tr><td>' + esc(e.from + ' → ' + e.to + (e.subset ? ' ' + e.subset : '')) + '</td><td>' + esc(fig) + '</td><td>' + esc('mTLS ' + e.mtls + ', authz ' + e.authz) + '</td></tr>';
    }).join('') + '</table>';
    el.innerHTML = html;
  }

  svg.addEventListener('click', function (ev) {
    var g = ev.target.closest ? ev.target.closest('.node') : null;
    state.selected = g ? g.getAttribute('data-id') : null;
    if (state.graph) render();
  });
  poll();
})();
`;
