// round5.mjs -- attack-13, the fifth round's probes (tests/attack/attack.sh runs it after
// browser.mjs, against the same daemon). What was found (and fixed) first, then what held:
//   attack-13.1  a required fact or a party's name of invisible characters only (U+200B,
//                U+FEFF, a bidirectional control) is missing, as one of spaces is
//   attack-13.2  a download named "../../.bashrc" is saved as a name, not a path
//   attack-13.3  signing in again with a session's cookie ends that session (rotation)
//   attack-13.4  a control character (ESC, BEL, backspace, DEL, C1) in a body's text is
//                400 naming where: it reached the operator's terminal (`caseflow case show`)
//   attack-13.5  held: bodies an early answer leaves unread (CL.0), Expect with a 401,
//                Transfer-Encoding spellings, Upgrade: h2c, header counts, idle
//                connections, many query parameters, Range and If-None-Match
//   attack-13.6  held: a session's event streams, roles on every route, odd alert ids,
//                JSON at depth, the metrics' labels, X-Request-Id, session expiry
// Prints one line per probe ("ok" / "FAIL" and why) and exits 1 if any failed.
import net from 'node:net';
import { call, exchange, request } from './http.mjs';

const env = process.env;
const PORT = Number(env.PORT);
const T = { handler: env.HANDLER, head: env.HEAD, auditor: env.AUDITOR, metrics: env.METRICS, reviewer: env.REVIEWER };
const TIMEOUT_MS = Number(env.TIMEOUT_MS);
const OFFICERS = [{ name: '张三', cert: '65010020001' }, { name: '王五', cert: '65010020002' }];

let passed = 0;
const failures = [];
function check(id, cond, why) {
  if (cond) { passed++; console.log(`ok   ${id}`); }
  else { failures.push(id); console.log(`FAIL ${id}: ${why}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const bearer = (t, extra = {}) => ({ Authorization: `Bearer ${t}`, ...extra });
const get = (p, t = T.handler, h = {}) => call(PORT, 'GET', p, { headers: t ? bearer(t, h) : h });
const post = (p, body, t = T.handler, h = {}) => call(PORT, 'POST', p, { headers: t ? bearer(t, h) : h, body });
const JSONTYPE = { 'Content-Type': 'application/json' };
const cookieOf = (r) => /cf_session=([^;]+)/.exec(r.headers['set-cookie'] || '')?.[1];
const auth = (t) => `Authorization: Bearer ${t}\r\n`;
const statuses = (r) => r.responses.map((x) => x.status).join(',');

async function opened(party = '某药房') {
  const r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: party, type: '定点医药机构' } });
  return { id: r.json?.id, version: r.json?.version };
}

// ---- attack-13.1: texts of invisible characters -------------------------------------------------

async function invisible() {
  for (const [how, text] of [['a zero-width space', '\u200b'], ['a BOM and a word joiner', '\ufeff\u2060'],
    ['a right-to-left override', '\u202e'], ['no-break spaces', '\u00a0\u00a0']]) {
    let r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: text, type: '定点医药机构' } });
    check(`attack-13.1 a party named by ${how} only: 400, the party needs a name`,
      r.status === 400 && /party needs a name/.test(r.text), `status ${r.status} ${r.text.slice(0, 120)}`);
    const c = await opened();
    r = await post(`/v1/cases/${c.id}/actions`, { action: 'file', facts: { filing_reason: text, cause: 'js-2024:14', officers: OFFICERS },
      documents: { 立案审批表: { content_base64: 'eA==', file: 'a.pdf' } } }, T.head, { 'If-Match': `"${c.version}"` });
    check(`attack-13.1 立案 with a reason of ${how} only: 422, filing_reason missing, nothing written`,
      r.status === 422 && /requires facts \[\\?"filing_reason\\?"\]/.test(r.text), `status ${r.status} ${r.text.slice(0, 160)}`);
  }
}

// ---- attack-13.2: a download named as a path ----------------------------------------------------

async function downloadPath() {
  const c = await opened();
  await post(`/v1/cases/${c.id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: OFFICERS } },
    T.head, { 'If-Match': `"${c.version}"` });
  for (const name of ['../../.bashrc', '/etc/cron.d/x', '..\\..\\x.exe', '..', '.hidden']) {
    let r = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers: OFFICERS,
      file: { name, content_base64: Buffer.from(`attack-13.2 ${name}`).toString('base64') } });
    const sha = r.json?.events?.[0]?.evidence?.file?.sha256;
    r = await get(`/v1/cases/${c.id}/files/${sha}`);
    const cd = r.headers['content-disposition'] || '';
    const plain = /filename="([^"]*)"/.exec(cd)?.[1];
    const star = decodeURIComponent(/filename\*=UTF-8''(.*)$/.exec(cd)?.[1] || '/');
    check(`attack-13.2 a file named ${JSON.stringify(name)}: downloaded under a name without '/', '\\' or a leading '.'`,
      r.status === 200 && [plain, star].every((n) => n !== undefined && !/[/\\]/.test(n) && !n.startsWith('.')),
      `status ${r.status} ${cd}`);
  }
}

// ---- attack-13.3: rotation on sign-in -----------------------------------------------------------

async function rotation() {
  let r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: T.handler } });
  const first = cookieOf(r);
  r = await call(PORT, 'POST', '/v1/session', { headers: { ...JSONTYPE, Cookie: `cf_session=${first}` }, body: { token: T.head } });
  const second = cookieOf(r);
  let old = 0;
  for (let i = 0; i < 100 && old !== 401; i++) { // (ended once the writer commits)
    old = (await call(PORT, 'GET', '/v1/session', { headers: { Cookie: `cf_session=${first}` } })).status;
    if (old !== 401) await sleep(100);
  }
  r = await call(PORT, 'GET', '/v1/session', { headers: { Cookie: `cf_session=${second}` } });
  check('attack-13.3 the head signs in where the handler was: the handler\'s session ends (401), the head\'s is served',
    first && second && first !== second && old === 401 && r.status === 200 && r.json?.role === 'head',
    `old session ${old}, new ${r.status} ${r.json?.role}`);
}

// ---- attack-13.4: control characters ----------------------------------------------------------------

async function controls() {
  for (const [what, party, extra, field] of [
    ['a party named with ESC ] (a terminal\'s title) and BEL', 'a\u001b]0;pwned\u0007', {}, 'party.name'],
    ['a party named with ESC [2J (clear the screen)', '\u001b[2J', {}, 'party.name'],
    ['a party named with backspaces', 'good\b\b\b\bevil', {}, 'party.name'],
    ['a party named with DEL', 'a\u007f', {}, 'party.name'],
    ['a party named with U+009B (CSI)', 'a\u009b2J', {}, 'party.name'],
    ['an officer named with ESC', '某药房', { officers: [{ name: '张三', cert: '1' }, { name: '\u001b[8m', cert: '2' }] }, 'officers[1].name'],
  ]) {
    const r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: party, type: '定点医药机构' }, ...extra });
    check(`attack-13.4 ${what}: 400 naming ${field}`, r.status === 400 && r.json?.field === field && /control character/.test(r.text),
      `status ${r.status} ${r.text.slice(0, 120)}`);
  }
  const c = await opened();
  const r = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 'x\u001b[31m', source: 's', method: '调取', officers: OFFICERS });
  check('attack-13.4 an evidence title with ESC: 400 naming title', r.status === 400 && r.json?.field === 'title', `status ${r.status} ${r.text.slice(0, 120)}`);
  const ok = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '某\t药房\r\n分店\u000b\f', type: '定点医药机构' } });
  check('attack-13.4 tab, CR, LF, VT, FF (text pasted from Word): taken', ok.status === 201, `status ${ok.status} ${ok.text.slice(0, 120)}`);
}

// ---- attack-13.5: what held: framing, connections --------------------------------------------------

async function framing() {
  const sm = 'GET /v1/cases HTTP/1.1\r\nHost: x\r\n\r\n';
  // An answer given before the body is read (a 401, a 404, the workbench's files, a GET
  // with a body): the body must never be read as the next request (CL.0).
  for (const [name, head] of [['GET /healthz with a body', 'GET /healthz'], ['POST /v1/cases without a token', 'POST /v1/cases'],
    ['POST to no endpoint', 'POST /nope'], ['GET a workbench file with a body', 'GET /web/app.js'],
    ['POST /v1/session as text/plain', 'POST /v1/session']]) {
    const r = await exchange(PORT, [`${head} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${sm.length}\r\n\r\n${sm}`],
      { want: 2, timeoutMs: TIMEOUT_MS + 1500 });
    check(`attack-13.5 ${name}, its body a request: one answer, the body never read as a request`,
      r.responses.length === 1, `answers ${statuses(r)}`);
  }
  let r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: ${sm.length}\r\n\r\n`, 300, sm],
    { want: 3, timeoutMs: TIMEOUT_MS + 1500 });
  check('attack-13.5 Expect: 100-continue without a token, then a request as the body: 401 once, nothing more',
    r.responses.filter((x) => x.status !== 100).length === 1 && r.responses.some((x) => x.status === 401), `answers ${statuses(r)}`);
  for (const te of ['chunked, chunked', '"chunked"', 'xchunked', 'chunked\x0b', 'identity, chunked']) {
    r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(T.handler)}Transfer-Encoding: ${te}\r\n\r\n0\r\n\r\n${sm}`],
      { want: 2, timeoutMs: 2000 });
    check(`attack-13.5 Transfer-Encoding: ${JSON.stringify(te)}: 400, nothing after it read`,
      r.status === 400 && r.responses.length === 1, `answers ${statuses(r)}`);
  }
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(T.handler)}Content-Length: 2 \r\n\r\n{}${sm}`], { want: 2, timeoutMs: 2000 });
  check('attack-13.5 Content-Length: "2 " (a trailing space): 400, nothing after it read', r.status === 400 && r.responses.length === 1,
    `answers ${statuses(r)}`);
  r = await exchange(PORT, ['GET /healthz HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n' +
    'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n']);
  check('attack-13.5 Upgrade: h2c (h2c smuggling past a proxy): answered in HTTP/1.1, no 101', r.status === 200 &&
    !/^HTTP\/1\.1 101/m.test(r.raw.toString('latin1')), `status ${r.status}`);
  r = await exchange(PORT, [`GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 200 }, (_, i) => `X-${i}: a\r\n`).join('')}\r\n`]);
  check('attack-13.5 200 header lines: 400', r.status === 400, `status ${r.status}`);
  r = await exchange(PORT, [`GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 90 }, (_, i) => `X-${i}: a\r\n`).join('')}Connection: close\r\n\r\n`]);
  check('attack-13.5 90 header lines: served', r.status === 200, `status ${r.status}`);
  const t0 = Date.now();
  const [idle, lines] = await Promise.all([exchange(PORT, [], { timeoutMs: TIMEOUT_MS * 4 }),
    exchange(PORT, Array.from({ length: 40 }, (_, i) => (i % 2 ? 200 : '\r\n')), { timeoutMs: TIMEOUT_MS * 4 })]);
  check('attack-13.5 a connection that sends nothing, and one that sends empty lines: both cut off after --timeout-ms',
    idle.closed && lines.closed && idle.ms < TIMEOUT_MS * 3 && lines.ms < TIMEOUT_MS * 3, `${idle.ms} ms, ${lines.ms} ms (${Date.now() - t0})`);
  const q = Array.from({ length: 15000 }, (_, i) => `p${i}=1`).join('&');
  r = await get(`/v1/cases?limit=1&${q}`);
  check('attack-13.5 15000 query parameters: answered at once, 400 naming the first unknown one', r.status === 400 && r.json?.parameter === 'p0' && r.ms < 5000, `status ${r.status} in ${r.ms} ms`);
}

async function conditional() {
  const c = await opened();
  await post(`/v1/cases/${c.id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: OFFICERS } },
    T.head, { 'If-Match': `"${c.version}"` });
  let r = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers: OFFICERS,
    file: { name: 'r.txt', content_base64: Buffer.from('0123456789').toString('base64') } });
  const sha = r.json?.events?.[0]?.evidence?.file?.sha256;
  r = await get(`/v1/cases/${c.id}/files/${sha}`, T.handler, { Range: `bytes=0-0,${'0-0,'.repeat(500)}0-0` });
  check('attack-13.5 a download asked for 502 ranges: the whole file once (no multipart amplification)',
    r.status === 200 && r.body.length === 10, `status ${r.status} ${r.body.length} B`);
  r = await call(PORT, 'GET', '/web/app.js', {});
  const etag = r.headers.etag;
  for (const inm of ['*', `W/${etag}`, 'x'.repeat(20000)]) {
    const a = await call(PORT, 'GET', '/web/app.js', { headers: { 'If-None-Match': inm } });
    check(`attack-13.5 the workbench's file with If-None-Match ${inm.slice(0, 24)}: 200 or 304, never an error`,
      a.status === 200 || a.status === 304, `status ${a.status}`);
  }
}

// ---- attack-13.6: what held: sessions, roles, ids, JSON, labels ---------------------------------------

async function held() {
  // One session's event streams count as its token's.
  let r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: T.reviewer } });
  const ck = cookieOf(r);
  const socks = [];
  const heads = [];
  for (let i = 0; i < 12; i++) {
    const s = net.connect(PORT, '127.0.0.1');
    let got = '';
    heads.push(new Promise((res) => {
      s.on('data', (d) => { got += d; if (/\r\n\r\n/.test(got)) res(got.split('\r\n')[0]); });
      s.on('error', () => res('error'));
      setTimeout(() => res(got.split('\r\n')[0] || 'nothing'), 5000);
    }));
    s.write(request('GET', '/v1/stream', { headers: { Cookie: `cf_session=${ck}` }, close: false }));
    socks.push(s);
  }
  const lines = await Promise.all(heads);
  socks.forEach((s) => s.destroy());
  const ok = lines.filter((l) => / 200 /.test(l)).length;
  check('attack-13.6 12 event streams by one session\'s cookie: at most streams_per_token (8), the rest 429',
    ok <= 8 && ok + lines.filter((l) => / 429 /.test(l)).length === 12, lines.join(' / '));
  // Roles on every route: metrics reads /metrics only, an auditor writes nothing.
  const c = await opened();
  // A cross-site form's shapes (urlencoded, multipart, text/plain) with the cookie, on every change.
  r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: T.head } });
  const headCk = cookieOf(r);
  for (const p of ['/v1/cases', `/v1/cases/${c.id}/actions`, `/v1/cases/${c.id}/evidence`, `/v1/cases/${c.id}/records`,
    `/v1/cases/${c.id}/extensions`, `/v1/cases/${c.id}/exclusions`, '/v1/alerts/1:filing:warning:x/ack', '/v1/alerts/1:filing:warning:x/retry']) {
    for (const ct of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      r = await call(PORT, 'POST', p, { headers: { 'Content-Type': ct, Cookie: `cf_session=${headCk}` }, body: 'action=file&x=1' });
      check(`attack-13.6 POST ${p} as ${ct.split(';')[0]} with the cookie, no CSRF header: 403`, r.status === 403,
        `status ${r.status} ${r.text.slice(0, 80)}`);
    }
  }
  const routes = [['POST', '/v1/cases', { workflow: 'penalty-general', party: { name: 'x' } }],
    ['POST', `/v1/cases/${c.id}/evidence`, { kind: '书证' }], ['POST', `/v1/cases/${c.id}/records`, { kind: '询问笔录' }],
    ['POST', `/v1/cases/${c.id}/exclusions`, { clock: 'filing' }], ['POST', `/v1/cases/${c.id}/extensions`, { clock: 'filing' }],
    ['POST', `/v1/cases/${c.id}/actions`, { action: 'not_file' }], ['POST', '/v1/alerts/1:filing:warning:x/ack', {}],
    ['POST', '/v1/alerts/1:filing:warning:x/retry', {}]];
  for (const [m, p, body] of routes) {
    r = await call(PORT, m, p, { headers: bearer(T.auditor, { 'If-Match': `"${c.version}"` }), body });
    check(`attack-13.6 an auditor ${m} ${p}: 403`, r.status === 403, `status ${r.status} ${r.text.slice(0, 80)}`);
  }
  if (T.metrics) {
    for (const p of ['/v1/cases', `/v1/cases/${c.id}`, `/v1/cases/${c.id}/export`, '/v1/stats', '/v1/alerts', '/v1/alerts/deliveries',
      '/v1/stream', '/v1/workflows', '/v1/session']) {
      r = await get(p, T.metrics);
      check(`attack-13.6 a metrics token GET ${p}: 403`, r.status === 403 || (p === '/v1/session' && r.status === 401),
        `status ${r.status} ${r.text.slice(0, 80)}`);
    }
    // Methods nobody has: counted under "other", never as a label of their own.
    for (const m of ['XYZZY', 'PROPFIND', 'M1', 'M2']) await exchange(PORT, [`${m} /v1/cases HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
    r = await get('/metrics', T.metrics);
    const methods = [...new Set([...r.text.matchAll(/method="([^"]*)"/g)].map((x) => x[1]))];
    check('attack-13.6 /metrics: made-up methods are "other", the labels stay few', r.status === 200 &&
      methods.every((x) => /^(GET|POST|HEAD|PUT|PATCH|DELETE|OPTIONS|other)$/.test(x)), `methods ${methods}`);
  }
  for (const a of ['..', '%2e%2e', 'a%00b', '%ff', 'x'.repeat(4000), '99999999999999999999', 'a%0d%0ab']) {
    r = await post(`/v1/alerts/${a}/ack`, {});
    check(`attack-13.6 ack of alert ${a.slice(0, 20)}: 400 or 404, JSON`, (r.status === 400 || r.status === 404) && !!r.json?.error,
      `status ${r.status} ${r.text.slice(0, 80)}`);
  }
  for (const body of ['{"workflow":"penalty-general","party":{"name":"a","x":{"k":1,"k":2}}}',
    '{"workflow":"penalty-general","party":{"name":"a"},"officers":[{"name":"a","name":"b"}]}',
    '{"workflow":"penalty-general","party":{"name":"a","n":9223372036854775808}}']) {
    r = await call(PORT, 'POST', '/v1/cases', { headers: bearer(T.handler), body });
    check(`attack-13.6 ${body.slice(35, 80)}: 400`, r.status === 400, `status ${r.status}`);
  }
  r = await call(PORT, 'GET', '/healthz', { headers: { 'X-Request-Id': 'x"}{"level":"forged' } });
  check('attack-13.6 a client\'s X-Request-Id is not taken', !/forged/.test(r.headers['x-request-id'] || ''), r.headers['x-request-id']);
  // Last (it moves the test clock a day on): a session ends after session_ttl.
  r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: T.handler } });
  const s = cookieOf(r);
  const now = r.json?.now;
  const later = new Date(Date.parse(now) + 25 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const moved = await call(PORT, 'POST', '/v1/test/clock', { body: { now: later } });
  r = await call(PORT, 'GET', '/v1/session', { headers: { Cookie: `cf_session=${s}` } });
  check('attack-13.6 a session a day later (session_ttl 8 h): 401', moved.status === 200 && r.status === 401,
    `clock ${moved.status} ${moved.text.slice(0, 80)}, session ${r.status}`);
}

async function main() {
  await invisible();
  await downloadPath();
  await rotation();
  await controls();
  await framing();
  await conditional();
  await held();
  const r = await call(PORT, 'GET', '/healthz', { timeoutMs: 3000 });
  check('attack-13 (daemon still answers)', r.status === 200, `healthz ${r.status}`);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL attack-13: ${e.stack}`); process.exit(1); });
