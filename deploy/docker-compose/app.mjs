// A bookinfo stand-in for the compose demo: one small HTTP service per container. It answers
// GET on any path with its name and version, after calling its upstreams (UPSTREAMS is a list of
// name=url) and forwarding the x-user header, so header routing works end to end.
import http from 'node:http';

const service = process.env.SERVICE ?? 'app';
const version = process.env.VERSION ?? 'v1';
const upstreams = (process.env.UPSTREAMS ?? '').split(',').filter(Boolean).map((s) => s.split('='));

async function call(url, user) {
  try {
    const res = await fetch(url, { headers: user ? { 'x-user': user } : {}, signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      return { status: res.status, body: text };
    }
  } catch (err) {
    return { status: 0, error: String(err) };
  }
}

http.createServer(async (req, res) => {
  const user = req.headers['x-user'];
  const calls = {};
  for (const [name, url] of upstreams) calls[name] = await call(url, typeof user === 'string' ? user : undefined);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ service, version, path: req.url, calls }) + '\n');
}).listen(9080, '0.0.0.0', () => console.log(`${service} ${version} listening on :9080`));
