// http.mjs -- the hostile client's own HTTP/1.1 over raw sockets (tests/attack). A
// library client (fetch, curl) would never send the shapes under test: two framings
// at once, a lying chunk size, a header one byte at a time. So the bytes are written
// as given and the answers parsed here, as many as came on the connection.
import net from 'node:net';

// Parses every complete HTTP/1.x response at the start of buf: [{status, headers
// (lower-case names; a repeated one joined with "\n"), raw head, body (Buffer)}], and
// rest: the bytes after them (an incomplete answer).
export function parseResponses(buf, headOnly = false) {
  const out = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = buf.subarray(at, end).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) break;
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = k in headers ? headers[k] + '\n' + v : v;
    }
    let p = end + 4;
    let body = Buffer.alloc(0);
    const status = Number(m[1]);
    if (status === 100 || status === 304 || headOnly) {
      // no body
    } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
      const parts = [];
      let done = false;
      for (;;) {
        const le = buf.indexOf('\r\n', p);
        if (le < 0) break;
        const size = parseInt(buf.subarray(p, le).toString('latin1'), 16);
        if (buf.length < le + 2 + size + 2) break;
        parts.push(buf.subarray(le + 2, le + 2 + size));
        p = le + 2 + size + 2;
        if (size === 0) { done = true; break; }
      }
      if (!done) break;
      body = Buffer.concat(parts);
    } else if ('content-length' in headers) {
      const n = Number(headers['content-length']);
      if (buf.length < p + n) break;
      body = buf.subarray(p, p + n);
      p += n;
    } else {
      body = buf.subarray(p); // until close
      p = buf.length;
    }
    out.push({ status, headers, head, body, text: body.toString('utf8') });
    at = p;
  }
  return { responses: out, rest: buf.subarray(at) };
}

// Connects (from the local address `from`, if given), writes each of chunks (a string or Buffer; a number is a pause in ms),
// then reads until `want` answers came, the peer closed, or timeoutMs passed.
// Resolves {responses, closed, ms, raw, error}.
export function exchange(port, chunks, { want = 1, timeoutMs = 5000, headOnly = false, from } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const sock = net.connect({ port, host: '127.0.0.1', localAddress: from });
    const got = [];
    let closed = false;
    let error = null;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(got);
      const { responses } = parseResponses(raw, headOnly);
      resolve({ responses, closed, ms: Date.now() - t0, raw, error, status: responses[0]?.status });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('data', (d) => {
      got.push(d);
      if (parseResponses(Buffer.concat(got), headOnly).responses.length >= want) finish();
    });
    sock.on('close', () => { closed = true; finish(); });
    sock.on('error', (e) => { error = e.code; });
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (finished || sock.destroyed) return;
        if (typeof c === 'number') await new Promise((r) => setTimeout(r, c));
        else sock.write(c);
      }
    });
  });
}

// The bytes of one request. headers: an object (values written as given); body: a
// string, Buffer or object (sent as JSON).
export function request(method, path, { headers = {}, body, version = '1.1', close = true } = {}) {
  let b = body;
  if (b !== undefined && typeof b === 'object' && !Buffer.isBuffer(b)) b = JSON.stringify(b);
  if (typeof b === 'string') b = Buffer.from(b, 'utf8');
  const h = { Host: '127.0.0.1', ...headers };
  if (b !== undefined && !Object.keys(h).some((k) => /^(content-length|transfer-encoding)$/i.test(k)))
    h['Content-Length'] = String(b.length);
  if (close && version === '1.1' && !Object.keys(h).some((k) => /^connection$/i.test(k)))
    h.Connection = 'close';
  let head = `${method} ${path} HTTP/${version}\r\n`;
  for (const [k, v] of Object.entries(h)) head += `${k}: ${v}\r\n`;
  head += '\r\n';
  return b ? Buffer.concat([Buffer.from(head, 'latin1'), b]) : Buffer.from(head, 'latin1');
}

// One request, one answer: {status, headers, text, json, ms, closed}.
export async function call(port, method, path, opts = {}) {
  const r = await exchange(port, [request(method, path, opts)], { timeoutMs: opts.timeoutMs || 10000, from: opts.from });
  const a = r.responses[0] || { status: 0, headers: {}, text: '', body: Buffer.alloc(0) };
  let json = null;
  try { json = JSON.parse(a.text); } catch { json = null; }
  return { ...a, json, ms: r.ms, closed: r.closed, raw: r.raw };
}
