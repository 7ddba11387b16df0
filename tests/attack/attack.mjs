// attack.mjs -- a hostile client against a running `caseflow serve` (tests/attack/attack.sh
// starts it and passes what it needs in the environment). Each probe sends what an
// attacker would and asserts the right answer: the status, nothing leaked, nothing
// half-written, and the daemon still answering others. Groups:
//   attack-1.*  request framing, sizes, slow and many clients
//   attack-2.*  hostile JSON, query strings and values
//   attack-3.*  paths: traversal, symlinks, ids
//   attack-4.*  auth: tokens, agencies, roles, sessions, CSRF, logs
//   attack-5.*  output: JSON, CSV, Content-Disposition, SSE, log lines
//   attack-9.*  SQL-ish text in every field and filter, methods, route spellings
// Prints one line per probe ("ok" / "FAIL" and why) and exits 1 if any failed.
import fs from 'node:fs';
import net from 'node:net';
import { call, exchange, request } from './http.mjs';

const env = process.env;
const PORT = Number(env.PORT);
const T = {
  handler: env.HANDLER, head: env.HEAD, auditor: env.AUDITOR, metrics: env.METRICS,
  other: env.OTHER, revoked: env.REVOKED, expired: env.EXPIRED,
};
const MAX_BODY = Number(env.MAX_BODY);
const DOC_MAX = Number(env.DOC_MAX);
const TIMEOUT_MS = Number(env.TIMEOUT_MS);
const BURST = Number(env.AUTH_FAIL_BURST);
const LOG = env.SERVE_LOG;
const PARTY = '某某大药房';

let passed = 0;
const failures = [];
function check(id, cond, why) {
  if (cond) { passed++; console.log(`ok   ${id}`); }
  else { failures.push(id); console.log(`FAIL ${id}: ${why}`); }
}
const bearer = (t, extra = {}) => ({ Authorization: `Bearer ${t}`, ...extra });
const get = (path, t = T.handler, h = {}) => call(PORT, 'GET', path, { headers: t ? bearer(t, h) : h });
const post = (path, body, t = T.handler, h = {}) =>
  call(PORT, 'POST', path, { headers: t ? bearer(t, h) : h, body });
async function alive(id) {
  const r = await call(PORT, 'GET', '/healthz', { timeoutMs: 3000 });
  check(`${id} (daemon still answers)`, r.status === 200, `healthz ${r.status} after ${r.ms} ms`);
}
const is4xx = (s) => s >= 400 && s < 500;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- fixtures: a case of agency A ---------------------------------------------------------------

async function openCase(party = { name: PARTY, type: '定点医药机构' }, extra = {}) {
  const r = await post('/v1/cases', { workflow: 'penalty-general', party, ...extra });
  if (r.status !== 201) throw new Error(`cannot open a case: ${r.status} ${r.text}`);
  return r.json;
}
async function version(id) {
  const r = await get(`/v1/cases/${id}`);
  return r.json.version;
}

// ---- attack-1: framing, sizes, slow and many clients ---------------------------------------------

// 1 if the first answer of exchange result r is the daemon's JSON error with code name.
function jsonError(r, name) {
  const a = r.responses[0];
  if (!a || !/^application\/json/.test(a.headers['content-type'] || '')) return false;
  try { return JSON.parse(a.text).error === name; } catch { return false; }
}

async function framing() {
  let r = await exchange(PORT, [`GET /${'a'.repeat(200000)} HTTP/1.1\r\nHost: x\r\n\r\n`]);
  check('attack-1.1 request line of 200 KB', (is4xx(r.status) || (r.closed && !r.status)),
    `status ${r.status}, closed ${r.closed}`);
  let many = 'GET /healthz HTTP/1.1\r\nHost: x\r\n';
  for (let i = 0; i < 300; i++) many += `X-Pad-${i}: ${'v'.repeat(1000)}\r\n`;
  r = await exchange(PORT, [many + '\r\n']);
  check('attack-1.2 300 headers of 1 KB', is4xx(r.status) || (r.closed && !r.status),
    `status ${r.status}`);
  // A body over --max-body, announced: 413 on the head alone, the body never sent.
  r = await exchange(PORT, [request('POST', '/v1/cases', {
    headers: bearer(T.handler, { 'Content-Length': String(MAX_BODY * 16) }) })], { timeoutMs: 4000 });
  // (the body is never sent: a daemon that waited for it would time out instead)
  check('attack-1.3 Content-Length over --max-body: 413 before the body, JSON naming the limit',
    r.status === 413 && jsonError(r, 'ETOOLARGE') && /max_body/.test(r.responses[0].text),
    `status ${r.status} after ${r.ms} ms: ${r.responses[0]?.text}`);
  // Chunked, growing past the limit.
  // (one write, a little over the limit: the daemon reads it all, so its close resets nothing)
  let chunked = '';
  for (let i = 0; i < (MAX_BODY / 16384) + 1; i++) chunked += `4000\r\n${'x'.repeat(16384)}\r\n`;
  r = await exchange(PORT, [Buffer.concat([request('POST', '/v1/cases', {
    headers: bearer(T.handler, { 'Transfer-Encoding': 'chunked' }) }), Buffer.from(chunked)])], { timeoutMs: 4000 });
  check('attack-1.4 chunked body past --max-body: 413 JSON', r.status === 413 && jsonError(r, 'ETOOLARGE'),
    `status ${r.status}: ${r.responses[0]?.text}`);
  // A chunk size that lies (says 0x100, sends 5 bytes and the end).
  r = await exchange(PORT, [request('POST', '/v1/cases', {
    headers: bearer(T.handler, { 'Transfer-Encoding': 'chunked' }) }), '100\r\nhello\r\n0\r\n\r\n'],
  { timeoutMs: TIMEOUT_MS + 3000 });
  check('attack-1.5 chunk size larger than the chunk: no answer of 2xx, connection ends',
    !(r.status >= 200 && r.status < 300) && (r.closed || is4xx(r.status)), `status ${r.status} closed ${r.closed}`);
  r = await exchange(PORT, [request('POST', '/v1/cases', {
    headers: bearer(T.handler, { 'Transfer-Encoding': 'chunked' }) }), 'zz\r\nhello\r\n0\r\n\r\n']);
  check('attack-1.6 chunk size not hex: 400', r.status === 400 || (r.closed && !r.status), `status ${r.status}`);
  r = await exchange(PORT, [request('POST', '/v1/cases', {
    headers: bearer(T.handler, { 'Transfer-Encoding': 'chunked' }) }), 'ffffffffffffffffffff\r\nx\r\n']);
  check('attack-1.7 chunk size past 64 bits: 4xx or closed', is4xx(r.status) || (r.closed && !r.status),
    `status ${r.status}`);
  // Smuggling: both framings; the smuggled request must never be answered.
  const smuggled = 'GET /v1/cases HTTP/1.1\r\nHost: x\r\n\r\n';
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${T.handler}\r\n` +
    `Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`], { want: 2, timeoutMs: 2000 });
  check('attack-1.8 Content-Length with Transfer-Encoding: 400, nothing after it read',
    r.status === 400 && r.responses.length === 1, `statuses ${r.responses.map((x) => x.status)}`);
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${T.handler}\r\n` +
    `Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${smuggled}`], { want: 2, timeoutMs: 2000 });
  check('attack-1.9 two Transfer-Encodings: 400', r.status === 400 && r.responses.length === 1,
    `statuses ${r.responses.map((x) => x.status)}`);
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n${smuggled}`],
    { want: 2, timeoutMs: 2000 });
  check('attack-1.10 two different Content-Lengths: 400', r.status === 400 && r.responses.length === 1,
    `statuses ${r.responses.map((x) => x.status)}`);
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`], { timeoutMs: 2000 });
  check('attack-1.11 negative Content-Length: 400', r.status === 400 || (r.closed && !r.status), `status ${r.status}`);
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n`],
    { timeoutMs: 2000 });
  check('attack-1.12 Content-Length past 64 bits: 4xx', is4xx(r.status) || (r.closed && !r.status), `status ${r.status}`);
  // Pipelining: three requests in one write, three answers in order.
  const three = ['/healthz', '/livez', '/healthz'].map((p) => request('GET', p, { close: false })).join('');
  r = await exchange(PORT, [three], { want: 3 });
  check('attack-1.13 three pipelined requests: three answers in order',
    r.responses.length === 3 && r.responses.every((x) => x.status === 200) && /live/.test(r.responses[1].text),
    `got ${r.responses.map((x) => x.status)}`);
  r = await exchange(PORT, ['GET /healthz HTTP/1.0\r\n\r\n'], { want: 2, timeoutMs: 3000 });
  check('attack-1.14 HTTP/1.0 without Host: answered, connection closed', r.status === 200 && r.closed,
    `status ${r.status} closed ${r.closed}`);
  for (const m of ['FOOBAR', 'G\x01T', 'TRACE', 'CONNECT', 'M'.repeat(5000)]) {
    r = await exchange(PORT, [`${m} /v1/cases HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    check(`attack-1.15 method ${JSON.stringify(m.slice(0, 12))}: 4xx`, is4xx(r.status) || (r.closed && !r.status),
      `status ${r.status}`);
  }
  r = await exchange(PORT, ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']);
  check('attack-1.16 HTTP/2 preface: 400 or closed', is4xx(r.status) || (r.closed && !r.status), `status ${r.status}`);
  // Expect: 100-continue: a small body is invited, a body over the limit is refused first.
  const body = JSON.stringify({ workflow: 'penalty-general', party: { name: PARTY } });
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${T.handler}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`, 300, body],
  { want: 2 });
  const last = r.responses[r.responses.length - 1];
  check('attack-1.17 Expect: 100-continue, a small body: 201', last && last.status === 201,
    `statuses ${r.responses.map((x) => x.status)}`);
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${T.handler}\r\n` +
    `Content-Length: ${MAX_BODY * 4}\r\nExpect: 100-continue\r\n\r\n`], { timeoutMs: 3000 });
  check('attack-1.18 Expect: 100-continue over --max-body: 413 JSON, no 100',
    r.status === 413 && jsonError(r, 'ETOOLARGE'), `statuses ${r.responses.map((x) => x.status)}`);
  await alive('attack-1.18');
}

async function slowAndMany() {
  // Slowloris: connections that send a header byte every 400 ms, and others that send
  // a body byte every 400 ms, must be closed after --timeout-ms; meanwhile others are
  // served at once.
  const slow = [];
  const t0 = Date.now();
  for (let i = 0; i < 40; i++) {
    const head = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const parts = [];
    for (const c of head) parts.push(c, 400);
    slow.push(exchange(PORT, parts, { timeoutMs: TIMEOUT_MS * 6 }));
  }
  for (let i = 0; i < 40; i++) {
    const parts = [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${T.handler}\r\nContent-Length: 1000\r\n\r\n`];
    for (let k = 0; k < 1000; k++) parts.push('x', 400);
    slow.push(exchange(PORT, parts, { timeoutMs: TIMEOUT_MS * 6 }));
  }
  await sleep(500);
  const served = [];
  for (let i = 0; i < 10; i++) served.push(await get('/v1/cases?limit=1'));
  // (a daemon held by them would answer only once they were cut off, after --timeout-ms)
  check('attack-1.19 beside 80 slow clients, others are served at once',
    served.every((x) => x.status === 200 && x.ms < TIMEOUT_MS), `${served.map((x) => `${x.status}/${x.ms}ms`)}`);
  const ends = await Promise.all(slow);
  const lasted = ends.map((e) => e.ms);
  check('attack-1.20 slow headers are cut off after --timeout-ms',
    ends.slice(0, 40).every((e) => e.closed && e.ms < TIMEOUT_MS * 4),
    `lasted ${Math.max(...lasted.slice(0, 40))} ms (timeout ${TIMEOUT_MS})`);
  check('attack-1.21 slow bodies are cut off after --timeout-ms',
    ends.slice(40).every((e) => e.closed && e.ms < TIMEOUT_MS * 4 && e.status !== 201),
    `lasted ${Math.max(...lasted.slice(40))} ms, statuses ${[...new Set(ends.slice(40).map((e) => e.status))]}`);
  console.log(`     (slow clients: cut after ${Math.min(...lasted)}..${Math.max(...lasted)} ms, --timeout-ms ${TIMEOUT_MS})`);
  // Many idle connections at once: still served.
  const socks = [];
  for (let i = 0; i < 400; i++) {
    socks.push(await new Promise((res) => {
      const s = net.connect(PORT, '127.0.0.1');
      s.on('connect', () => res(s));
      s.on('error', () => res(s));
    }));
  }
  const r = await get('/v1/cases?limit=1');
  check('attack-1.22 400 idle connections open: another client is served', r.status === 200, `status ${r.status}`);
  socks.forEach((s) => s.destroy());
  await alive('attack-1.22');
}

// ---- attack-2: JSON, query strings, values ---------------------------------------------------------

async function values(caseId) {
  const raw = (body) => call(PORT, 'POST', '/v1/cases', { headers: bearer(T.handler), body: Buffer.from(body, 'latin1') });
  let r = await raw('{"workflow":"penalty-general","party":{"name":"\xff\xfe"}}');
  check('attack-2.1 invalid UTF-8 in a JSON string: 400', r.status === 400 && r.json, `status ${r.status} ${r.text}`);
  r = await raw('{"workflow":"penalty-general","party":{"name":"a\\u0000b"}}');
  check('attack-2.2 \\u0000 in a JSON string: 400', r.status === 400, `status ${r.status} ${r.text}`);
  r = await raw('{"workflow":"penalty-general","party":{"name":"a\x00b"}}');
  check('attack-2.3 a raw NUL byte in JSON: 400', r.status === 400, `status ${r.status}`);
  r = await raw('{"workflow":"penalty-general","party":{"name":"\xc0\xaf"}}');
  check('attack-2.4 overlong UTF-8 in JSON: 400', r.status === 400, `status ${r.status}`);
  r = await raw('{"facts":' + '['.repeat(30000) + ']'.repeat(30000) + '}');
  check('attack-2.5 JSON nested 30000 deep: 400', r.status === 400, `status ${r.status}`);
  r = await raw('{"workflow":"penalty-general","workflow":"x","party":{"name":"a"}}');
  check('attack-2.6 duplicate JSON keys: 400', r.status === 400, `status ${r.status}`);
  r = await raw('{"workflow":"penalty-general","party":{"name":"a"},"sneaky":1}');
  check('attack-2.7 an unknown field: 400 naming it', r.status === 400 && /sneaky/.test(r.text), `status ${r.status} ${r.text}`);
  r = await raw('{"workflow":"penalty-general","party":{"name":"a"},"parent":1e400}');
  check('attack-2.8 parent 1e400: 400', r.status === 400, `status ${r.status} ${r.text}`);
  r = await raw('{"workflow":"penalty-general","party":{"name":"a"},"parent":99999999999999999999999}');
  check('attack-2.9 parent past 64 bits: 400', r.status === 400, `status ${r.status} ${r.text}`);
  for (const [q, bad] of [['limit=-1', 1], ['limit=0', 1], ['limit=99999999999999999999', 1], ['limit=1e3', 1],
    ['limit=0x10', 1], ['limit=%00', 1], ['cursor=-5', 1], ['cursor=abc', 1], ['cursor=99999999999999999999', 1],
    ['limit=%ff', 1], ['due_within=99999999999d', 1], ['due_within=-1d', 1]]) {
    r = await get(`/v1/cases?${q}`);
    check(`attack-2.10 GET /v1/cases?${q}: 400`, (r.status === 400) === !!bad, `status ${r.status} ${r.text.slice(0, 120)}`);
  }
  r = await get('/v1/stats?from=0001-01-01&to=9999-12-31');
  check('attack-2.25 stats over ten thousand years: answered, in seconds', r.status && r.ms < 10000 && r.status !== 500,
    `status ${r.status} after ${r.ms} ms`);
  r = await get('/v1/alerts?limit=-7');
  check('attack-2.11 GET /v1/alerts?limit=-7: 400', r.status === 400, `status ${r.status}`);
  r = await get('/v1/stats?from=2026-02-30&to=2026-03-01');
  check('attack-2.12 stats from 2026-02-30: 400', r.status === 400, `status ${r.status} ${r.text.slice(0, 120)}`);
  r = await get('/v1/stats?from=%00&to=%ff');
  check('attack-2.13 stats from NUL, to invalid UTF-8: 400', r.status === 400, `status ${r.status}`);
  const v = await version(caseId);
  for (const im of ['"99999999999999999999"', '"-1"', '"abc"', '""', 'W/"', '"1e3"']) {
    r = await post(`/v1/cases/${caseId}/actions`, { action: 'file' }, T.head, { 'If-Match': im });
    check(`attack-2.14 If-Match ${im}: 400 or 409`, r.status === 400 || r.status === 409, `status ${r.status} ${r.text}`);
    // (the answer names the header and what to send, not a version the case is not at)
    check(`attack-2.14 If-Match ${im}: the error names If-Match and the ETag`, r.status === 409 ||
      (/If-Match/.test(r.json?.text) && /ETag/.test(r.json?.text)), r.text);
  }
  // Amounts: strings of yuan with at most two decimals, nothing else.
  for (const amount of ['1e309', '-0.00', '20000.005', '0x10', 'NaN', '-1', '1,000', ' 1', '99999999999999999999.00', '']) {
    r = await post(`/v1/cases/${caseId}/actions`, { action: 'file', facts: { fine: amount } }, T.head,
      { 'If-Match': `"${v}"` });
    check(`attack-2.15 amount ${JSON.stringify(amount)}: 400 or 422, nothing written`, r.status === 400 || r.status === 422,
      `status ${r.status} ${r.text.slice(0, 160)}`);
  }
  r = await post(`/v1/cases/${caseId}/actions`, { action: 'file', facts: { fine: 1e308 } }, T.head, { 'If-Match': `"${v}"` });
  check('attack-2.16 an amount as a JSON number: 400 or 422', r.status === 400 || r.status === 422, `status ${r.status}`);
  check('attack-2.17 nothing written by the refused actions', (await version(caseId)) === v, 'the version moved');
  // Instants outside the calendar.
  const officers = [{ name: '张三', cert: '65010020001' }, { name: '王五', cert: '65010020002' }];
  for (const at of ['2026-02-30T10:00:00+08:00', '2026-13-01T10:00:00+08:00', '2026-03-01T25:00:00+08:00',
    '2026-03-01T10:61:00+08:00', '99999-01-01T00:00:00+08:00', '2026-03-01T10:00:00+99:00',
    '0000-00-00T00:00:00Z', '-2026-03-01T10:00:00Z', '2026-03-01T10:00:00.999999999999999999Z']) {
    r = await post(`/v1/cases/${caseId}/evidence`, {
      kind: '书证', title: 't', source: 's', method: '调取', officers, obtained_at: at });
    check(`attack-2.18 obtained_at ${at}: 400 or 422`, r.status === 400 || r.status === 422,
      `status ${r.status} ${r.text.slice(0, 160)}`);
  }
  for (const [from, to] of [['2026-02-30T10:00:00+08:00', '2026-03-01T10:00:00+08:00'], ['x', 'y'],
    ['2026-03-01T10:00:00+08:00', '2026-02-01T10:00:00+08:00']]) {
    r = await post(`/v1/cases/${caseId}/exclusions`, { clock: 'filing', from, to, reason: '鉴定' });
    check(`attack-2.19 exclusion ${from}..${to}: 400 or 422`, r.status === 400 || r.status === 422, `status ${r.status}`);
  }
  r = await post(`/v1/cases/${caseId}/extensions`, { clock: 'filing', by: '99999999999999999999 days', reason: 'x' }, T.head);
  check('attack-2.20 extension by 10^20 days: 400 or 422', r.status === 400 || r.status === 422, `status ${r.status} ${r.text.slice(0, 160)}`);
  r = await post(`/v1/cases/${caseId}/extensions`, { clock: 'filing', by: '-30 days', reason: 'x' }, T.head);
  check('attack-2.21 extension by -30 days: 400 or 422', r.status === 400 || r.status === 422, `status ${r.status}`);
  // Evidence bytes over --doc-max: refused, nothing written.
  const v2 = await version(caseId);
  r = await post(`/v1/cases/${caseId}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers,
    file: { name: 'big.pdf', content_base64: Buffer.alloc(DOC_MAX + 1, 1).toString('base64') } });
  check('attack-2.22 evidence bytes over --doc-max: 4xx naming the limit', is4xx(r.status) && r.status !== 404,
    `status ${r.status} ${r.text.slice(0, 160)}`);
  r = await post(`/v1/cases/${caseId}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers,
    file: { name: 'x.pdf', content_base64: '!!!not base64!!!' } });
  check('attack-2.23 evidence content not base64: 400', r.status === 400, `status ${r.status} ${r.text.slice(0, 160)}`);
  check('attack-2.24 nothing written by refused evidence', (await version(caseId)) === v2, 'the version moved');
  await alive('attack-2.24');
}

// ---- attack-3: paths ----------------------------------------------------------------------------

async function paths(caseId) {
  const probes = ['/web/../../../../etc/passwd', '/web/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/web/..%2f..%2f..%2fetc%2fpasswd',
    '/web/..\\..\\..\\etc\\passwd', '/web/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/web/index.html%00.txt',
    '/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd', '/web//etc/passwd.txt', '/web/.hidden.txt',
    '/web/secret-link.txt', '/web/linkdir/secret.txt', '/web/%2fetc%2fpasswd', '/web/....//....//etc/passwd.txt',
    '/web/index.html/', '/caseflow.db', '/web/caseflow.db'];
  for (const p of probes) {
    const r = await call(PORT, 'GET', p, {});
    check(`attack-3.1 GET ${p}: 404, nothing outside web/`, (r.status === 404 || r.status === 400) &&
      !/root:|SECRET-OUTSIDE-WEB/.test(r.text), `status ${r.status} ${r.text.slice(0, 80)}`);
  }
  for (const p of [`/v1/cases/${caseId}/files/..%2f..%2fetc%2fpasswd`, `/v1/cases/${caseId}/files/${'0'.repeat(63)}/`,
    `/v1/cases/${caseId}/files/${'g'.repeat(64)}`, `/v1/cases/${caseId}/documents/..%2f..%2f..%2fetc%2fpasswd.pdf`,
    `/v1/cases/${caseId}/documents/%2e%2e.pdf`, `/v1/cases/${caseId}/documents/a%00b.pdf`,
    `/v1/cases/${caseId}/documents/..\\..\\bureau.pdf`]) {
    const r = await get(p);
    check(`attack-3.2 GET ${p}: 4xx`, is4xx(r.status) && !/root:/.test(r.text), `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  // (%31 is "1" percent-encoded: the same path, rightly case 1.)
  for (const id of ['abc', '-1', '0', '99999999999999999999', '1e3', '0x10', '1%00', '1%2f', '1.0', '+1', ' 1']) {
    const r = await get(`/v1/cases/${id.replace(' ', '%20')}`);
    check(`attack-3.3 case id ${JSON.stringify(id)}: 400 or 404`, r.status === 400 || r.status === 404,
      `status ${r.status}`);
  }
  await alive('attack-3.3');
}

// ---- attack-4: auth -----------------------------------------------------------------------------

async function auth(caseId, fileSha) {
  let r = await get(`/v1/cases/${caseId}`, null);
  check('attack-4.1 no token: 401', r.status === 401, `status ${r.status}`);
  for (const [name, h] of [['forged', `Bearer ${'a'.repeat(64)}`], ['empty', 'Bearer '], ['basic', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a token with a NUL', `Bearer ${T.handler.slice(0, 10)}\x00${T.handler.slice(11)}`], ['4 KB', `Bearer ${'f'.repeat(4096)}`],
    ['revoked', `Bearer ${T.revoked}`], ['expired', `Bearer ${T.expired}`], ['one digit off', `Bearer ${T.handler.slice(0, 63)}${T.handler[63] === '0' ? '1' : '0'}`]]) {
    r = await call(PORT, 'GET', `/v1/cases/${caseId}`, { headers: { Authorization: h } });
    check(`attack-4.2 ${name} token: 401, no data`, (r.status === 401 || r.status === 400) && !r.text.includes(PARTY),
      `status ${r.status}`);
  }
  // Another agency's token: 404 everywhere, never the data.
  const other = [['GET', `/v1/cases/${caseId}`], ['GET', `/v1/cases/${caseId}/events`], ['GET', `/v1/cases/${caseId}/evidence`],
    ['GET', `/v1/cases/${caseId}/records`], ['GET', `/v1/cases/${caseId}/replay`], ['GET', `/v1/cases/${caseId}/files/${fileSha}`],
    ['GET', `/v1/cases/${caseId}/documents/立案审批表.pdf`], ['POST', `/v1/cases/${caseId}/actions`],
    ['POST', `/v1/cases/${caseId}/extensions`], ['POST', `/v1/cases/${caseId}/exclusions`], ['POST', `/v1/cases/${caseId}/evidence`],
    ['POST', `/v1/cases/${caseId}/records`]];
  const v = await version(caseId);
  for (const [m, p] of other) {
    const body = /extensions$/.test(p) ? { clock: 'filing', by: '30 days', reason: 'x' }
      : /exclusions$/.test(p) ? { clock: 'filing', from: '2026-03-02T10:00:00+08:00', to: '2026-03-03T10:00:00+08:00', reason: '鉴定' }
        : /actions$/.test(p) ? { action: 'file' } : /evidence|records/.test(p) ? { kind: '书证' } : undefined;
    r = await call(PORT, m, p, { headers: bearer(T.other, { 'If-Match': `"${v}"` }), body });
    check(`attack-4.3 another agency ${m} ${p.replace(/[0-9a-f]{64}/, '{sha}')}: 403/404, no data`,
      (r.status === 404 || r.status === 403) && !r.text.includes(PARTY), `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: 'x' }, parent: caseId }, T.other);
  check('attack-4.4 another agency opens a child of the case: refused', r.status >= 400 && !r.text.includes(PARTY), `status ${r.status}`);
  r = await get('/v1/cases', T.other);
  check('attack-4.5 another agency lists: not the case', r.status === 200 && !r.text.includes(PARTY), `status ${r.status}`);
  r = await get('/v1/stats?format=csv', T.other);
  check('attack-4.6 another agency stats: not the case', r.status === 200 && !r.text.includes(PARTY), `status ${r.status}`);
  check('attack-4.7 nothing written by another agency', (await version(caseId)) === v, 'the version moved');
  // Roles: a handler doing a head's action, an auditor writing, metrics reading cases.
  r = await post(`/v1/cases/${caseId}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14' } }, T.handler,
    { 'If-Match': `"${v}"` });
  check('attack-4.8 a handler takes the head\'s action: 403', r.status === 403, `status ${r.status} ${r.text.slice(0, 100)}`);
  r = await post(`/v1/cases/${caseId}/evidence`, { kind: '书证' }, T.auditor);
  check('attack-4.9 an auditor writes: 403', r.status === 403, `status ${r.status}`);
  r = await get(`/v1/cases/${caseId}`, T.metrics);
  check('attack-4.10 a metrics token reads a case: 403', r.status === 403 && !r.text.includes(PARTY), `status ${r.status}`);
  check('attack-4.11 nothing written by refused roles', (await version(caseId)) === v, 'the version moved');
  // Sessions and CSRF.
  r = await call(PORT, 'POST', '/v1/session', { headers: { 'Content-Type': 'text/plain' }, body: { token: T.handler } });
  check('attack-4.12 sign-in as text/plain (a cross-site form): 415', r.status === 415, `status ${r.status}`);
  const fixed = 'b'.repeat(64);
  r = await call(PORT, 'POST', '/v1/session', { headers: { 'Content-Type': 'application/json', Cookie: `cf_session=${fixed}` },
    body: { token: T.handler } });
  const sid = /cf_session=([0-9a-f.]+)/.exec(r.headers['set-cookie'] || '')?.[1];
  const csrf = r.json?.csrf;
  check('attack-4.13 sign-in ignores a cookie the client brought (no fixation)', r.status === 200 && sid && sid !== fixed,
    `status ${r.status} cookie ${r.headers['set-cookie']}`);
  check('attack-4.14 the session cookie is HttpOnly and SameSite=Strict',
    /HttpOnly/.test(r.headers['set-cookie']) && /SameSite=Strict/.test(r.headers['set-cookie']), r.headers['set-cookie']);
  r = await call(PORT, 'GET', `/v1/cases/${caseId}`, { headers: { Cookie: `cf_session=${fixed}` } });
  check('attack-4.15 a made-up session id: 401', r.status === 401, `status ${r.status}`);
  const flipped = sid.slice(0, -1) + (sid.slice(-1) === 'a' ? 'b' : 'a');
  r = await call(PORT, 'GET', `/v1/cases/${caseId}`, { headers: { Cookie: `cf_session=${flipped}` } });
  check('attack-4.16 a tampered session cookie: 401', r.status === 401, `status ${r.status}`);
  const ck = { Cookie: `cf_session=${sid}` };
  const openBody = { workflow: 'penalty-general', party: { name: 'csrf-victim' } };
  r = await call(PORT, 'POST', '/v1/cases', { headers: ck, body: openBody });
  check('attack-4.17 a change by cookie without X-CSRF-Token: 403', r.status === 403, `status ${r.status}`);
  r = await call(PORT, 'POST', '/v1/cases', { headers: { ...ck, 'X-CSRF-Token': 'c'.repeat(64) }, body: openBody });
  check('attack-4.18 a change by cookie with a wrong X-CSRF-Token: 403', r.status === 403, `status ${r.status}`);
  r = await call(PORT, 'POST', '/v1/cases', { headers: { ...ck, 'X-CSRF-Token': csrf, Origin: 'http://evil.example' }, body: openBody });
  check('attack-4.19 a change by cookie from another Origin: 403', r.status === 403, `status ${r.status} ${r.text.slice(0, 100)}`);
  r = await call(PORT, 'POST', '/v1/session', { headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
    body: { token: T.handler } });
  check('attack-4.20 a sign-in from another Origin: 403', r.status === 403, `status ${r.status}`);
  for (const p of [`/v1/cases/${caseId}/evidence`, `/v1/cases/${caseId}/records`, `/v1/cases/${caseId}/extensions`,
    `/v1/cases/${caseId}/exclusions`, `/v1/cases/${caseId}/actions`, '/v1/alerts/1/ack']) {
    r = await call(PORT, 'POST', p, { headers: { ...ck, 'If-Match': `"${v}"` }, body: { action: 'file' } });
    check(`attack-4.21 POST ${p} by cookie without X-CSRF-Token: 403`, r.status === 403, `status ${r.status}`);
  }
  r = await call(PORT, 'DELETE', '/v1/session', { headers: ck });
  check('attack-4.22 sign-out without X-CSRF-Token: 403', r.status === 403, `status ${r.status}`);
  r = await call(PORT, 'POST', '/v1/cases', { headers: { ...ck, 'X-CSRF-Token': csrf, Origin: `http://127.0.0.1:${PORT}`,
    Host: `127.0.0.1:${PORT}` }, body: openBody });
  check('attack-4.23 the same change with the token and its own Origin: 201', r.status === 201, `status ${r.status} ${r.text.slice(0, 100)}`);
  r = await call(PORT, 'DELETE', '/v1/session', { headers: { ...ck, 'X-CSRF-Token': csrf } });
  r = await call(PORT, 'GET', `/v1/cases/${caseId}`, { headers: ck });
  check('attack-4.24 the cookie after sign-out: 401', r.status === 401, `status ${r.status}`);
  // One token signing in again and again must not push other people's sessions out.
  r = await call(PORT, 'POST', '/v1/session', { headers: { 'Content-Type': 'application/json' }, body: { token: T.head } });
  const headCookie = { Cookie: `cf_session=${/cf_session=([0-9a-f.]+)/.exec(r.headers['set-cookie'] || '')?.[1]}` };
  const t1 = Date.now();
  const signin = request('POST', '/v1/session', { close: false,
    headers: { 'Content-Type': 'application/json' }, body: { token: T.handler } });
  for (let i = 0; i < 4200; i += 600) { // 600 sign-ins pipelined on each of 4 connections at a time
    await Promise.all(Array.from({ length: 4 }, () =>
      exchange(PORT, [Buffer.concat(Array(150).fill(signin))], { want: 150, timeoutMs: 20000 })));
  }
  r = await call(PORT, 'GET', '/v1/session', { headers: headCookie });
  check('attack-4.31 4200 sign-ins with one token: another person\'s session survives', r.status === 200,
    `status ${r.status} (${Date.now() - t1} ms for the sign-ins)`);
  // Brute force, from another address (127.0.0.2): wrong tokens, as fast as it can.
  const from = '127.0.0.2';
  const t0 = Date.now();
  const statuses = [];
  for (let i = 0; i < 60; i++) {
    r = await call(PORT, 'GET', '/v1/cases', { from, headers: { Authorization: `Bearer ${i.toString(16).padStart(64, '0')}` } });
    statuses.push(r.status);
  }
  const ms = Date.now() - t0;
  check('attack-4.25 60 wrong tokens: every one refused (401 or 429), answers small',
    statuses.every((s) => s === 401 || s === 429) && r.text.length < 400, `statuses ${[...new Set(statuses)]}`);
  const first429 = statuses.indexOf(429);
  // (one more try a second: a slow run may see a 401 between the 429s, once a second)
  const later401 = statuses.slice(first429).filter((s) => s === 401).length;
  check(`attack-4.26 60 wrong tokens: 401 for the first auth_fail_burst + 1 (${BURST + 1}), then 429 with Retry-After`,
    first429 === BURST + 1 && later401 <= Math.ceil(ms / 1000) && /^\d+$/.test(r.headers['retry-after'] || ''),
    `statuses ${statuses.join(' ')} in ${ms} ms`);
  r = await call(PORT, 'POST', '/v1/session', { from, headers: { 'Content-Type': 'application/json' }, body: { token: 'd'.repeat(64) } });
  check('attack-4.27 a sign-in with a wrong token from the slowed address: 429', r.status === 429, `status ${r.status}`);
  r = await get('/v1/cases?limit=1');
  check('attack-4.28 a right token from another address: served', r.status === 200, `status ${r.status}`);
  r = await call(PORT, 'GET', '/v1/cases?limit=1', { from, headers: bearer(T.handler) });
  check('attack-4.29 a right token in the token cache, from the slowed address: served', r.status === 200, `status ${r.status}`);
  // Secrets never in the log.
  await sleep(300);
  const log = fs.readFileSync(LOG, 'utf8');
  const secrets = [T.handler, T.head, T.other, T.auditor, T.metrics, sid, csrf];
  check('attack-4.30 no token, session id or CSRF token in the log', secrets.every((s) => !log.includes(s)),
    'a secret is in the log');
}

// ---- attack-5: output ---------------------------------------------------------------------------

async function output() {
  const evil = '<script>alert(1)</script>"\r\nX-Injected: 1\r\n\r\n\u202Egnp.exe';
  let r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: evil } });
  check('attack-5.1 a party named <script>, CRLF, quotes, RTL: accepted as text', r.status === 201, `status ${r.status} ${r.text.slice(0, 100)}`);
  const id = r.json.id;
  r = await get(`/v1/cases/${id}`);
  check('attack-5.2 ... answered as JSON, escaped, no header injected',
    r.status === 200 && /^application\/json/.test(r.headers['content-type']) && !('x-injected' in r.headers) &&
    r.json.party.name === evil && !r.raw.includes('\r\nX-Injected'), `status ${r.status}`);
  check('attack-5.3 API answers say nosniff', r.headers['x-content-type-options'] === 'nosniff',
    `x-content-type-options: ${r.headers['x-content-type-options']}`);
  // CSV formula injection through an officer's name (the stats' handlers).
  const formula = "=cmd|' /C calc'!A0";
  r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '+SUM(1,2)' },
    officers: [{ name: formula, cert: '1' }, { name: '@evil', cert: '2' }] });
  r = await get('/v1/stats?format=csv');
  const cells = r.text.split(/\r\n/).flatMap((l) => l.split(','));
  check('attack-5.4 stats CSV: no cell starts with = + - @ (formula injection)',
    r.status === 200 && !cells.some((c) => /^"?[=+@\t\r]/.test(c) || /^"?-[^0-9]/.test(c)),
    `cells ${cells.filter((c) => /^"?[=+@-]/.test(c)).slice(0, 4)}`);
  // Content-Disposition of a download: the evidence file's name with CRLF and quotes.
  const officers = [{ name: '张三', cert: '65010020001' }, { name: '王五', cert: '65010020002' }];
  r = await post(`/v1/cases/${id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers } },
    T.head, { 'If-Match': `"${await version(id)}"` });
  const name = 'a"\r\nSet-Cookie: pwned=1\r\n;x.pdf';
  const bytes = Buffer.from('evidence bytes');
  r = await post(`/v1/cases/${id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers,
    file: { name, content_base64: bytes.toString('base64') } });
  const sha = r.json?.events?.[0]?.evidence?.file?.sha256;
  r = await get(`/v1/cases/${id}/files/${sha}`);
  check('attack-5.5 a file named with CRLF and quotes: one Content-Disposition line, no cookie set',
    r.status === 200 && !('set-cookie' in r.headers) && !/\r|\n/.test(r.headers['content-disposition'] || '\n') &&
    /^attachment; filename="[^"]*"; filename\*=UTF-8''/.test(r.headers['content-disposition']),
    `status ${r.status} ${JSON.stringify(r.headers['content-disposition'])}`);
  check('attack-5.6 a download says nosniff', r.headers['x-content-type-options'] === 'nosniff',
    `x-content-type-options: ${r.headers['x-content-type-options']}`);
  // Log lines: a newline in an action name or a path must not forge a line.
  await post(`/v1/cases/${id}/actions`, { action: 'x"}\n{"level":"forged","event":"request' }, T.head, { 'If-Match': '"1"' });
  await call(PORT, 'GET', '/v1/cases/1%0a%7b%22level%22:%22forged%22%7d', { headers: bearer(T.handler) });
  await sleep(300);
  const lines = fs.readFileSync(LOG, 'utf8').split('\n').filter((l) => l.startsWith('{'));
  check('attack-5.7 log: every line one JSON object, no forged one',
    lines.every((l) => { try { return JSON.parse(l).level !== 'forged'; } catch { return false; } }), 'a line is not JSON or forged');
  return id;
}

// The event stream: a party name with blank lines and "event:" must stay in one data line;
// another agency's stream gets none of it, and cannot acknowledge the alerts.
async function stream(id) {
  const s = net.connect(PORT, '127.0.0.1');
  const o = net.connect(PORT, '127.0.0.1');
  let got = '';
  let other = '';
  s.on('data', (d) => { got += d.toString('utf8'); });
  o.on('data', (d) => { other += d.toString('utf8'); });
  s.write(request('GET', '/v1/stream', { headers: bearer(T.handler), close: false }));
  o.write(request('GET', '/v1/stream', { headers: bearer(T.other), close: false }));
  await sleep(300);
  // Move the test clock far: the filing clock of every open case breaches.
  const r = await call(PORT, 'POST', '/v1/test/clock', { body: { now: '2026-07-01T09:00:00+08:00' } });
  for (let i = 0; i < 50 && !/event: alert/.test(got); i++) await sleep(200); // a busy machine is slow
  await sleep(500);
  s.destroy();
  o.destroy();
  check('attack-5.10 SSE: another agency\'s stream gets none of the alerts', /^HTTP\/1\.1 200/.test(other) &&
    !/event: alert/.test(other) && !other.includes(PARTY), `other stream: ${other.slice(0, 200)}`);
  const alerts = await get('/v1/alerts?limit=5');
  const alertId = alerts.json?.[0]?.alert_id;
  const ack = await post(`/v1/alerts/${encodeURIComponent(alertId)}/ack`, {}, T.other);
  check('attack-5.11 another agency acknowledges an alert: 404, no data', alertId && (ack.status === 404 || ack.status === 403) &&
    !ack.text.includes(PARTY), `alert ${alertId}: ${ack.status} ${ack.text.slice(0, 100)}`);
  const body = got.slice(got.indexOf('\r\n\r\n') + 4);
  const events = body.split(/\n/).filter((l) => /^event:/.test(l)).map((l) => l.slice(6).trim());
  check('attack-5.8 SSE: alerts came, and every event is an alert (a field\'s newline forged none)',
    r.status === 200 && events.length > 0 && events.every((e) => e === 'alert' || e === 'overflow'),
    `clock ${r.status} ${r.text.slice(0, 80)}, events ${[...new Set(events)]}`);
  const forged = body.split('\n').some((l) => /^(event|id|data): ?forged/.test(l));
  check('attack-5.9 SSE: no line forged by a case\'s text', !forged, 'a forged line');
  void id;
}

// ---- attack-9: SQL-ish text everywhere, methods, route spellings ----------------------------------

const SQLISH = ["x'; DROP TABLE events;--", "' OR '1'='1", '"); DELETE FROM cases; --', "1; ATTACH DATABASE '/tmp/x.db' AS x;--",
  '%_\\%', "' UNION SELECT token_hash FROM tokens --"];

async function sqlish() {
  const officers = [{ name: SQLISH[2], cert: '65010020001' }, { name: SQLISH[3], cert: '65010020002' }];
  const before = (await get('/v1/cases?limit=1000')).json.length;
  let r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: SQLISH[0], type: '定点医药机构' },
    facts: { lead_source: SQLISH[1] } });
  check('attack-9.1 SQL-ish party and fact: opened, stored as text', r.status === 201, `status ${r.status} ${r.text.slice(0, 160)}`);
  const id = r.json?.id;
  r = await post(`/v1/cases/${id}/actions`, { action: 'file', facts: { filing_reason: SQLISH[4], cause: 'js-2024:14', officers },
    documents: { 立案审批表: { content_base64: 'eA==', file: SQLISH[5] } } }, T.head, { 'If-Match': `"${r.json?.version}"` });
  check('attack-9.2 SQL-ish officers, reason, file name: filed', r.status === 200, `status ${r.status} ${r.text.slice(0, 160)}`);
  r = await post(`/v1/cases/${id}/evidence`, { kind: '书证', title: SQLISH[0], source: SQLISH[1], method: SQLISH[5],
    officers: officers.map((o) => ({ name: o.name })), note: SQLISH[4] });
  check('attack-9.3 SQL-ish evidence: added', r.status === 201, `status ${r.status} ${r.text.slice(0, 160)}`);
  r = await get(`/v1/cases/${id}`);
  check('attack-9.4 read back verbatim', r.status === 200 && r.json.party.name === SQLISH[0] &&
    r.json.facts.lead_source === SQLISH[1] && r.json.facts.filing_reason === SQLISH[4], r.text.slice(0, 200));
  // In every filter: a 200 with no row (or a 400), never every row, never an error of the database.
  for (const q of ['number', 'handler', 'state', 'workflow', 'matter', 'parent', 'cursor']) {
    for (const v of SQLISH) {
      if (q === 'handler' && officers.some((o) => o.name === v)) continue; // (6.7: that case)
      r = await get(`/v1/cases?${q}=${encodeURIComponent(v)}`);
      check(`attack-9.5 GET /v1/cases?${q}=${v.slice(0, 16)}: 200 with nothing, or 400 naming ${q}`,
        (r.status === 200 && Array.isArray(r.json) && r.json.length === 0) ||
        (r.status === 400 && r.json?.error && r.text.includes(q)), `status ${r.status} ${r.text.slice(0, 160)}`);
    }
  }
  r = await get(`/v1/alerts?handler=${encodeURIComponent(SQLISH[1])}`);
  check('attack-9.6 alerts?handler=SQL-ish: nothing', r.status === 200 && Array.isArray(r.json) && r.json.length === 0,
    `status ${r.status} ${r.text.slice(0, 160)}`);
  r = await get(`/v1/cases?handler=${encodeURIComponent(SQLISH[2])}`);
  check('attack-9.7 handler= an officer named like SQL: exactly that case', r.status === 200 &&
    r.json.length === 1 && r.json[0].id === id, `status ${r.status} ${r.text.slice(0, 160)}`);
  r = await get('/v1/cases?limit=1000');
  check('attack-9.8 no case lost or added by the SQL-ish text', r.status === 200 && r.json.length === before + 1,
    `${before} cases before, ${r.json?.length} after`);
  r = await get(`/v1/cases?number=${encodeURIComponent(SQLISH[1])}`, T.other);
  check('attack-9.9 another agency with SQL-ish filters: nothing', r.status === 200 && !r.text.includes('DROP'),
    `status ${r.status}`);
  // Methods a route does not take: 405, JSON, with Allow.
  for (const m of ['PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    for (const p of ['/v1/cases', `/v1/cases/${id}`, `/v1/cases/${id}/actions`, `/v1/cases/${id}/evidence`, '/v1/alerts', '/healthz', '/']) {
      r = await call(PORT, m, p, { headers: bearer(T.handler) });
      check(`attack-9.10 ${m} ${p}: 405 JSON with Allow`, r.status === 405 && r.json?.error === 'EMETHOD' &&
        !!r.headers?.allow, `status ${r.status} allow ${r.headers?.allow} ${r.text.slice(0, 80)}`);
    }
  }
  // Route spellings: upper case, doubled or trailing slashes are not the case.
  for (const p of ['/V1/cases', '/v1//cases', `/v1/cases/${id}/`, `/v1/cases//${id}`, `/v1/cases/${id};x`]) {
    r = await get(p);
    check(`attack-9.11 GET ${p}: 4xx JSON, not the case`, is4xx(r.status) && r.json?.error && !r.text.includes('DROP'),
      `status ${r.status} ${r.text.slice(0, 80)}`);
  }
  await alive('attack-9');
}

async function main() {
  const c = await openCase();
  const id = c.id;
  // The case gets a stored file for the agency test.
  const officers = [{ name: '张三', cert: '65010020001' }, { name: '王五', cert: '65010020002' }];
  await post(`/v1/cases/${id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers } },
    T.head, { 'If-Match': `"${c.version}"` });
  const ev = await post(`/v1/cases/${id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers,
    file: { name: 'a.txt', content_base64: Buffer.from('hello').toString('base64') } });
  const sha = ev.json?.events?.[0]?.evidence?.file?.sha256 || '0'.repeat(64);
  const timed = async (name, f) => {
    const t0 = Date.now();
    const v = await f();
    console.log(`     (${name}: ${Date.now() - t0} ms)`);
    return v;
  };
  await timed('framing', framing);
  await timed('values', () => values(id));
  await timed('paths', () => paths(id));
  await timed('slow and many', slowAndMany);
  await timed('auth', () => auth(id, sha));
  const id2 = await timed('output', output);
  await timed('stream', () => stream(id2));
  await timed('sqlish', sqlish);
  await alive('attack-end');
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL attack: ${e.stack}`); process.exit(1); });
