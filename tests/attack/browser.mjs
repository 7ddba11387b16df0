// browser.mjs -- attack-12, the fourth round's probes (tests/attack/attack.sh runs it after
// attack.mjs, against the same daemon): what a page elsewhere, a proxy in front or a
// sibling host could make of the daemon's answers and of the workbench's sessions.
//   attack-12.1  security headers on every kind of answer (API, errors, h2o's own 413,
//                CSV, downloads, the workbench's files): no-store, no framing, nosniff
//   attack-12.2  a query parameter given twice (parameter pollution)
//   attack-12.3  the sign-in body: duplicate keys, unknown fields, a type that only starts
//                like application/json
//   attack-12.4  sessions: two Origins, two session cookies (cookie tossing), another
//                session's CSRF token, a revoked token's session, sign-out
//   attack-12.5  a download named with a bidirectional control (U+202E), and the
//                workbench's display of such names
//   attack-12.6  the workbench's code: no HTML sink, no link built from what a case holds
//   attack-12.7  event streams held open by one token
//   attack-12.8  roles: a reviewer, a handler and an auditor taking the head's action
//   attack-12.9  one officer listed twice, the 执法证 number varied by an invisible or
//                full-width character (the two-officers rule, 行政处罚法 第四十二条)
//   attack-12.10 a robot webhook's key in its URL, read by a handler or an auditor
// Prints one line per probe ("ok" / "FAIL" and why) and exits 1 if any failed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call, exchange, request } from './http.mjs';

const env = process.env;
const PORT = Number(env.PORT);
const T = { handler: env.HANDLER, head: env.HEAD, auditor: env.AUDITOR };
const MAX_BODY = Number(env.MAX_BODY);
const BIN = env.CASEFLOW_BIN;
const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
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
async function signIn(token, extra = {}) {
  const r = await call(PORT, 'POST', '/v1/session', { headers: { ...JSONTYPE, ...extra }, body: { token } });
  return { r, cookie: cookieOf(r), csrf: r.json?.csrf };
}

async function openFiled(party) {
  let r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: party, type: '定点医药机构' } });
  const id = r.json?.id;
  r = await post(`/v1/cases/${id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: OFFICERS } },
    T.head, { 'If-Match': `"${r.json?.version}"` });
  return { id, version: r.json?.version };
}

// ---- attack-12.1: headers on every kind of answer ------------------------------------------------

async function headers(caseId, fileSha) {
  const api = [
    ['a case (JSON)', () => get(`/v1/cases/${caseId}`)],
    ['the list', () => get('/v1/cases?limit=2')],
    ['401', () => get('/v1/cases', null)],
    ['404 of the API', () => get('/v1/nothing')],
    ['400 of a parameter', () => get('/v1/cases?limit=0')],
    ['405', () => call(PORT, 'PUT', '/v1/cases', { headers: bearer(T.handler) })],
    ['the stats CSV', () => get('/v1/stats?format=csv')],
    ['a download', () => get(`/v1/cases/${caseId}/files/${fileSha}`)],
    ['the export bundle', () => get(`/v1/cases/${caseId}/export`)],
    ['the sign-in', async () => (await signIn(T.handler)).r],
    ['h2o\'s own 413', () => call(PORT, 'POST', '/v1/cases', {
      headers: bearer(T.handler, JSONTYPE), body: 'x'.repeat(MAX_BODY + 10) })],
    ['/healthz', () => get('/healthz', null)],
  ];
  for (const [name, f] of api) {
    const r = await f();
    const h = r.headers || {};
    check(`attack-12.1 ${name} (${r.status}): Cache-Control no-store, CSP frame-ancestors 'none', X-Frame-Options DENY, nosniff`,
      r.status > 0 && h['cache-control'] === 'no-store' && /frame-ancestors 'none'/.test(h['content-security-policy'] || '') &&
      /default-src 'none'/.test(h['content-security-policy'] || '') && h['x-frame-options'] === 'DENY' &&
      h['x-content-type-options'] === 'nosniff',
      `cache-control ${h['cache-control']}, csp ${h['content-security-policy']}, xfo ${h['x-frame-options']}, nosniff ${h['x-content-type-options']}`);
  }
  const hz = await get('/healthz', null);
  check('attack-12.1 the Server header does not name the HTTP library and its version',
    !/h2o|\d+\.\d+/i.test(hz.headers.server || ''), `server: ${hz.headers.server}`);
  for (const p of ['/', '/web/app.js', '/web/no-such.js', '/web/../x']) {
    const r = await call(PORT, 'GET', p, {});
    const h = r.headers || {};
    check(`attack-12.1 the workbench's ${p} (${r.status}): its CSP, framing refused, nosniff`,
      /frame-ancestors 'none'/.test(h['content-security-policy'] || '') && /script-src 'self'/.test(h['content-security-policy'] || '') &&
      h['x-frame-options'] === 'DENY' && h['x-content-type-options'] === 'nosniff' && !!h['cache-control'],
      `csp ${h['content-security-policy']}, xfo ${h['x-frame-options']}, cache ${h['cache-control']}`);
  }
}

// ---- attack-12.2: a parameter given twice --------------------------------------------------------

async function pollution(caseId) {
  for (const [p, name] of [['/v1/cases?limit=1&limit=1000', 'limit'], ['/v1/cases?state=lead&state=closed', 'state'],
    ['/v1/cases?q=%E6%9F%90&q=x', 'q'], ['/v1/cases?cursor=1&cursor=99', 'cursor'], ['/v1/stats?format=json&format=csv', 'format'],
    ['/v1/alerts?state=pending&state=all', 'state'], [`/v1/cases/${caseId}/export?documents=hashes&documents=bytes`, 'documents']]) {
    const r = await get(p);
    check(`attack-12.2 ${p}: 400 naming ${name}`, r.status === 400 && r.json?.parameter === name,
      `status ${r.status} ${r.text.slice(0, 120)}`);
  }
}

// ---- attack-12.3: the sign-in body ----------------------------------------------------------------

async function signinBody() {
  let r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE,
    body: `{"token":"${'e'.repeat(64)}","token":"${T.handler}"}` });
  check('attack-12.3 sign-in {"token": wrong, "token": right}: 400, no cookie', r.status === 400 && !cookieOf(r),
    `status ${r.status} ${r.text.slice(0, 120)}`);
  r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: T.handler, role: 'head' } });
  check('attack-12.3 sign-in with a field not taken ("role"): 400 naming it, no cookie',
    r.status === 400 && /role/.test(r.text) && !cookieOf(r), `status ${r.status} ${r.text.slice(0, 120)}`);
  for (const type of ['application/jsonp', 'application/json-patch+json', 'application/jsonfoo']) {
    r = await call(PORT, 'POST', '/v1/session', { headers: { 'Content-Type': type }, body: { token: T.handler } });
    check(`attack-12.3 sign-in as ${type}: 415`, r.status === 415, `status ${r.status}`);
  }
  r = await call(PORT, 'POST', '/v1/session', { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: { token: T.handler } });
  check('attack-12.3 sign-in as application/json; charset=utf-8: 200', r.status === 200, `status ${r.status}`);
}

// ---- attack-12.4: sessions ------------------------------------------------------------------------

async function sessions() {
  const own = `http://127.0.0.1:${PORT}`;
  const raw = `POST /v1/session HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nContent-Type: application/json\r\n` +
    `Origin: ${own}\r\nOrigin: http://evil.example\r\nConnection: close\r\n`;
  const body = JSON.stringify({ token: T.handler });
  const two = await exchange(PORT, [`${raw}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`]);
  check('attack-12.4 sign-in with two Origin headers (its own first, evil.example second): 403, no cookie',
    two.status === 403 && !/cf_session=/.test(two.responses[0]?.headers['set-cookie'] || ''),
    `status ${two.status} ${two.responses[0]?.text.slice(0, 100)}`);
  const a = await signIn(T.handler);
  const b = await signIn(T.head);
  let r = await call(PORT, 'GET', '/v1/session', { headers: { Cookie: `cf_session=${b.cookie}; cf_session=${a.cookie}` } });
  check('attack-12.4 two cf_session cookies in one header (cookie tossing): 401, neither taken', r.status === 401,
    `status ${r.status} ${r.text.slice(0, 100)}`);
  const tossed = `GET /v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: cf_session=${b.cookie}\r\nCookie: cf_session=${a.cookie}\r\nConnection: close\r\n\r\n`;
  const t2 = await exchange(PORT, [tossed]);
  check('attack-12.4 two Cookie headers each with a session: 401', t2.status === 401, `status ${t2.status}`);
  r = await call(PORT, 'POST', '/v1/cases', { headers: { ...JSONTYPE, Cookie: `cf_session=${b.cookie}`, 'X-CSRF-Token': a.csrf },
    body: { workflow: 'penalty-general', party: { name: 'csrf' } } });
  check('attack-12.4 a session\'s cookie with another session\'s CSRF token: 403', r.status === 403, `status ${r.status}`);
  r = await call(PORT, 'POST', '/v1/cases', { headers: { 'Content-Type': 'text/plain', Cookie: `cf_session=${a.cookie}` },
    body: JSON.stringify({ workflow: 'penalty-general', party: { name: 'csrf' } }) });
  check('attack-12.4 a cross-site form\'s shape (text/plain JSON, the cookie, no CSRF header): 403', r.status === 403,
    `status ${r.status}`);
  r = await call(PORT, 'DELETE', '/v1/session', { headers: { Cookie: `cf_session=${a.cookie}` } });
  check('attack-12.4 sign-out without the CSRF header: 403 (no logout CSRF)', r.status === 403, `status ${r.status}`);
  // A token revoked while its session lives: the session ends within token_cache_ms.
  if (BIN) {
    const out = execFileSync(BIN, ['token', 'create', '--agency', '某县医疗保障局', '--role', 'handler', '--name', '将撤销'],
      { env: { ...env } }).toString().trim();
    const s = await signIn(out);
    r = await call(PORT, 'GET', '/v1/cases?limit=1', { headers: { Cookie: `cf_session=${s.cookie}` } });
    const before = r.status;
    const id = execFileSync(BIN, ['token', 'list'], { env: { ...env } }).toString().split('\n')
      .find((l) => l.includes('将撤销'))?.trim().split(/\s+/)[0];
    execFileSync(BIN, ['token', 'revoke', id], { env: { ...env } });
    let after = 0;
    for (let i = 0; i < 40 && after !== 401; i++) {
      await sleep(250);
      after = (await call(PORT, 'GET', '/v1/cases?limit=1', { headers: { Cookie: `cf_session=${s.cookie}` } })).status;
    }
    check('attack-12.4 the session of a token revoked meanwhile: 401 within token_cache_ms', before === 200 && after === 401,
      `before ${before}, after ${after}`);
  }
}

// ---- attack-12.5: names with bidirectional controls ------------------------------------------------

async function bidi() {
  const c = await openFiled('某药房');
  const name = '发票\u202Efdp.exe';
  let r = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers: OFFICERS,
    file: { name, content_base64: Buffer.from('MZ not a pdf').toString('base64') } });
  const sha = r.json?.events?.[0]?.evidence?.file?.sha256;
  r = await get(`/v1/cases/${c.id}/files/${sha}`);
  const cd = r.headers['content-disposition'] || '';
  check('attack-12.5 a file named "发票<U+202E>fdp.exe": downloaded under a name without the control (no "发票exe.pdf")',
    r.status === 200 && !/%E2%80%AE/i.test(cd) && /filename\*=UTF-8''%E5%8F%91%E7%A5%A8_fdp\.exe$/.test(cd) &&
    r.headers['content-type'] === 'application/octet-stream', `status ${r.status} ${cd}`);
  const { plain, partyText } = await import(path.join(SRC, 'web/util.js'));
  check('attack-12.5 the workbench shows such a name with the control visible (plain(), partyText())',
    plain(name) === '发票\uFFFDfdp.exe' && partyText({ name: 'a\u2067b', type: 'c' }) === 'a\uFFFDb（c）',
    `${JSON.stringify(plain(name))}`);
  const page = fs.readFileSync(path.join(SRC, 'web/casepage.js'), 'utf8');
  check('attack-12.5 the case page passes file names through plain()',
    /download: plain\(/.test(page) && /plain\(d\.file/.test(page) && /plain\(e\.file\.file/.test(page), 'a file name shown as is');
}

// ---- attack-12.6: the workbench's code ---------------------------------------------------------

function workbenchCode() {
  const dir = path.join(SRC, 'web');
  const sinks = /\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setTimeout\(\s*['"`]|javascript:|srcdoc/;
  const bad = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
    text.forEach((l, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(l)) return;
      if (sinks.test(l)) bad.push(`${f}:${i + 1} ${l.trim()}`);
      // a link's target is built from a fixed prefix only ('#/...' or '/v1/...'), never a case's text
      const m = /\bhref:\s*([^,}]+)/.exec(l);
      if (m && !/^(href\b|['"`](#\/|\/v1\/))/.test(m[1].trim())) bad.push(`${f}:${i + 1} ${l.trim()}`);
    });
  }
  check('attack-12.6 web/: no HTML sink (innerHTML, document.write, eval, javascript:), links from fixed prefixes only',
    bad.length === 0, bad.slice(0, 5).join(' | '));
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  check('attack-12.6 index.html: no inline script or handler (the CSP allows none)',
    !/<script(?![^>]*\bsrc=)[^>]*>/.test(html) && !/\son[a-z]+=/.test(html), 'an inline script or on*= attribute');
}

// ---- attack-12.7: event streams of one token --------------------------------------------------

async function streams() {
  const socks = [];
  const heads = [];
  for (let i = 0; i < 12; i++) {
    const s = net.connect(PORT, '127.0.0.1');
    let got = '';
    heads.push(new Promise((res) => {
      s.on('data', (d) => { got += d.toString(); if (/\r\n\r\n/.test(got)) res(got.split('\r\n')[0]); });
      s.on('error', () => res('error'));
      s.on('close', () => res(got.split('\r\n')[0] || 'closed'));
      setTimeout(() => res(got.split('\r\n')[0] || 'nothing'), 5000);
    }));
    s.write(request('GET', '/v1/stream', { headers: bearer(T.auditor), close: false }));
    socks.push(s);
  }
  const lines = await Promise.all(heads);
  const ok = lines.filter((l) => / 200 /.test(l)).length;
  const refused = lines.filter((l) => / 429 /.test(l)).length;
  const r = await get('/v1/cases?limit=1');
  socks.forEach((s) => s.destroy());
  check('attack-12.7 12 event streams with one token: at most streams_per_token (8) open, the rest 429; others served',
    ok <= 8 && ok + refused === 12 && r.status === 200, `200: ${ok}, 429: ${refused}, others ${r.status}`);
}

// ---- attack-12.8: roles ---------------------------------------------------------------------------

async function roles() {
  const r0 = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '角色', type: '定点医药机构' } });
  const id = r0.json?.id;
  for (const [who, tok] of [['a handler', T.handler], ['an auditor', T.auditor], ['a reviewer', env.REVIEWER]]) {
    if (!tok) continue;
    const r = await post(`/v1/cases/${id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: OFFICERS } },
      tok, { 'If-Match': `"${r0.json?.version}"` });
    check(`attack-12.8 ${who} takes the head's 立案 (file): 403`, r.status === 403, `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  const r = await post(`/v1/cases/${id}/extensions`, { clock: 'filing', by: '30 days', reason: 'x' }, T.handler);
  check('attack-12.8 a handler extends a clock (the head\'s): 403 or 422', r.status === 403 || r.status === 422,
    `status ${r.status} ${r.text.slice(0, 100)}`);
}

// ---- attack-12.9: one officer passed off as two ---------------------------------------------------

async function officers() {
  const one = { name: '张三', cert: '65010020001' };
  for (const [how, twin] of [['a zero-width space', { name: '张三\u200b', cert: '65010020001\u200b' }],
    ['full-width digits', { name: '张三', cert: '６５０１００２０００１' }], ['a space and a no-break space', { name: '张 三', cert: ' 6501002 0001\u00a0' }],
    ['a right-to-left override', { name: '张三', cert: '\u202e65010020001' }], ['invisible characters only', { name: '王五', cert: '\u200b\ufeff' }]]) {
    const r0 = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '两人', type: '定点医药机构' } });
    const r = await post(`/v1/cases/${r0.json?.id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14',
      officers: [one, twin] }, documents: { 立案审批表: { content_base64: 'eA==', file: 'a.pdf' } } }, T.head,
    { 'If-Match': `"${r0.json?.version}"` });
    check(`attack-12.9 立案 by one officer listed twice, his 执法证 number varied by ${how}: refused (two-officers)`,
      r.status === 422 && /two-officers|两名|two officers/.test(r.text), `status ${r.status} ${r.text.slice(0, 120)}`);
  }
}

// ---- attack-12.10: a webhook's key --------------------------------------------------------------

async function webhookKey() {
  const key = env.WEBHOOK_KEY;
  if (!key) return;
  let rows = [];
  for (let i = 0; i < 20 && !rows.length; i++) { // (attack.mjs's stream probe fired the alerts)
    rows = (await get('/v1/alerts/deliveries')).json || [];
    if (!rows.length) await sleep(250);
  }
  for (const [who, tok] of [['a handler', T.handler], ['an auditor', T.auditor]]) {
    const r = await get('/v1/alerts/deliveries', tok);
    check(`attack-12.10 ${who} lists the webhook deliveries: the URL without its key`,
      r.status === 200 && Array.isArray(r.json) && r.json.length > 0 && !r.text.includes(key) &&
      r.json.every((d) => /^http:\/\/127\.0\.0\.1:9\/…#[0-9a-f]{8}$/.test(d.url)),
      `status ${r.status}, ${r.json?.length} rows, ${r.text.slice(0, 160)}`);
  }
}

async function main() {
  const c = await openFiled('某某大药房');
  const ev = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers: OFFICERS,
    file: { name: 'a.txt', content_base64: Buffer.from('attack-12').toString('base64') } });
  const sha = ev.json?.events?.[0]?.evidence?.file?.sha256 || '0'.repeat(64);
  await headers(c.id, sha);
  await pollution(c.id);
  await signinBody();
  await sessions();
  await bidi();
  workbenchCode();
  await streams();
  await roles();
  await officers();
  await webhookKey();
  const r = await call(PORT, 'GET', '/healthz', { timeoutMs: 3000 });
  check('attack-12 (daemon still answers)', r.status === 200, `healthz ${r.status}`);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL attack-12: ${e.stack}`); process.exit(1); });
