// round6.mjs -- attack-14, the sixth round's probes (tests/attack/attack.sh runs it after
// round5.mjs, against the same daemon). What was found (and fixed) first, then what held:
//   attack-14.1  a token's event streams are counted by the token, however its scheme is
//                spelt ("Bearer", "bearer", "BEARER") and through its sessions too
//   attack-14.2  a list fact of hundreds of officers is 400 naming the limit: 500 officers
//                held the daemon's one writer for minutes (every agency's writes waited)
//   attack-14.3  a request target without its leading '/' ("GET v1/cases") is 404 on the API
//   attack-14.9  a 文书 is rendered off the loop: a party named by 20,000 characters held every
//                connection for a second per PDF
//   attack-14.4  held: smuggling variants (a Content-Length spelt 0x2, 2.0 or empty, framing
//                headers in trailers, a tab before "chunked"), heads h2o refuses, slow bodies
//   attack-14.5  held: JSON numbers and texts at the edges, dates outside the calendar in
//                every date field, 3000-character texts in every field (JSON, UTF-8 whole)
//   attack-14.6  held: route parameters (overlong and double-encoded dots, full-width dots,
//                versions), another agency's filters, tokens where they are not taken
//   attack-14.7  held: CSRF shapes, cookie attributes, CORS, framing and download headers
//   attack-14.8  held: twelve transitions on one version at once (one wins, eleven 409),
//                If-Match spellings
// Prints one line per probe ("ok" / "FAIL" and why) and exits 1 if any failed.
import net from 'node:net';
import { call, exchange, request } from './http.mjs';

const env = process.env;
const PORT = Number(env.PORT);
const T = { handler: env.HANDLER, head: env.HEAD, auditor: env.AUDITOR, other: env.OTHER, reviewer: env.REVIEWER };
const TIMEOUT_MS = Number(env.TIMEOUT_MS);
const OFFICERS = [{ name: '张三', cert: '65010020001' }, { name: '王五', cert: '65010020002' }];
// Probes whose tokens are refused come from an address of their own: the failures of
// 127.0.0.1 in a row would meet auth_fail_burst's 429 (attack-4.26).
const FAILING = '127.0.0.6';

let passed = 0;
const failures = [];
function check(id, cond, why) {
  if (cond) { passed++; console.log(`ok   ${id}`); }
  else { failures.push(id); console.log(`FAIL ${id}: ${why}`); }
}
const bearer = (t, extra = {}) => ({ Authorization: `Bearer ${t}`, ...extra });
const get = (p, t = T.handler, h = {}) => call(PORT, 'GET', p, { headers: t ? bearer(t, h) : h });
const post = (p, body, t = T.handler, h = {}) => call(PORT, 'POST', p, { headers: t ? bearer(t, h) : h, body });
const JSONTYPE = { 'Content-Type': 'application/json' };
const cookieOf = (r) => /cf_session=([^;]+)/.exec(r.headers['set-cookie'] || '')?.[1];
const auth = (t) => `Authorization: Bearer ${t}\r\n`;
const statuses = (r) => r.responses.map((x) => x.status).join(',');
const errorOf = (a) => { try { return JSON.parse(a.text).error; } catch { return null; } };

async function opened(party = '某药房') {
  const r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: party, type: '定点医药机构' } });
  return { id: r.json?.id, version: r.json?.version };
}
async function filed(party = '某药房') {
  const c = await opened(party);
  const r = await post(`/v1/cases/${c.id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: OFFICERS },
    documents: { 立案审批表: { content_base64: 'eA==', file: 'a.pdf' } } }, T.head, { 'If-Match': `"${c.version}"` });
  return { id: c.id, version: r.json?.version };
}

// ---- attack-14.1: streams per token, whatever the spelling -----------------------------------------

// Opens an event stream with headers; resolves [socket, status line].
function stream(headers) {
  return new Promise((res) => {
    const s = net.connect(PORT, '127.0.0.1');
    let got = '';
    const done = (line) => { clearTimeout(timer); res([s, line]); };
    const timer = setTimeout(() => done(got.split('\r\n')[0] || 'nothing'), 5000);
    s.on('data', (d) => { got += d; if (/\r\n\r\n/.test(got)) done(got.split('\r\n')[0]); });
    s.on('error', () => done('error'));
    s.write(request('GET', '/v1/stream', { headers, close: false }));
  });
}

async function streams() {
  const t = T.auditor;
  const r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: t } });
  const ck = cookieOf(r);
  const tries = [];
  for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) for (let i = 0; i < 3; i++) tries.push({ Authorization: `${scheme} ${t}` });
  for (let i = 0; i < 4; i++) tries.push({ Cookie: `cf_session=${ck}` });
  const got = [];
  for (const h of tries) got.push(await stream(h)); // one at a time: the count is exact
  const ok = got.filter(([, l]) => / 200 /.test(l)).length;
  const refused = got.filter(([, l]) => / 429 /.test(l)).length;
  check('attack-14.1 16 event streams of one token, its scheme spelt four ways and through its session: 8 (streams_per_token), the rest 429',
    ok === 8 && refused === 8, got.map(([, l]) => l).join(' / '));
  const [s, line] = await stream(bearer(T.head));
  check('attack-14.1 ... another token of the agency still opens one', / 200 /.test(line), line);
  s.destroy();
  got.forEach(([x]) => x.destroy());
}

// ---- attack-14.2: a list fact of hundreds of items ---------------------------------------------------

async function longLists() {
  const many = (n) => Array.from({ length: n }, (_, i) => ({ name: `官${i}`, cert: `${6501000000 + i}` }));
  let r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '某药房', type: '定点医药机构' }, officers: many(500) });
  check('attack-14.2 a case opened with 500 officers: 400 naming the fact and the limit, at once',
    r.status === 400 && /officers/.test(r.text) && /at most 32/.test(r.text), `status ${r.status} in ${r.ms} ms ${r.text.slice(0, 120)}`);
  r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '某药房', type: '定点医药机构' }, facts: { officers: many(33) } });
  check('attack-14.2 33 officers as a fact: 400', r.status === 400 && /at most 32/.test(r.text), `status ${r.status} ${r.text.slice(0, 120)}`);
  r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '某药房', type: '定点医药机构' }, officers: many(32) });
  check('attack-14.2 32 officers: opened', r.status === 201, `status ${r.status} ${r.text.slice(0, 120)}`);
  const c = await opened();
  r = await post(`/v1/cases/${c.id}/actions`, { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: many(400) },
    documents: { 立案审批表: { content_base64: 'eA==', file: 'a.pdf' } } }, T.head, { 'If-Match': `"${c.version}"` });
  check('attack-14.2 立案 giving 400 officers: 400, nothing written', r.status === 400 && /at most 32/.test(r.text) &&
    (await get(`/v1/cases/${c.id}`)).json?.version === c.version, `status ${r.status} ${r.text.slice(0, 120)}`);
  const h = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '某药房', type: '定点医药机构' } });
  check('attack-14.2 ... and the next write of anyone is served', h.status === 201, `status ${h.status} in ${h.ms} ms`);
}

// ---- attack-14.9: a 文书 of long texts beside everyone else -----------------------------------------

async function documents() {
  const r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: '药'.repeat(20000), type: '定点医药机构' },
    cause: 'js-2024:14', facts: { lead_source: '投诉举报', filing_reason: '理'.repeat(1000) }, officers: OFFICERS });
  const pdf = `/v1/cases/${r.json?.id}/documents/${encodeURIComponent('立案审批表')}.pdf`;
  const t0 = Date.now();
  const ends = [];
  const renders = Array.from({ length: 3 }, () => get(pdf, T.auditor).then((x) => { ends.push(Date.now() - t0); return x; }));
  await new Promise((res) => setTimeout(res, 100));
  const h = await call(PORT, 'GET', '/healthz');
  const healthz = Date.now() - t0;
  const done = await Promise.all(renders);
  check('attack-14.9 three 立案审批表 of a party named by 20,000 characters: /healthz answered before the first of them',
    h.status === 200 && done.every((x) => x.status === 200 && x.headers['content-type'] === 'application/pdf' &&
      x.body.subarray(0, 5).toString() === '%PDF-') && healthz < Math.min(...ends),
    `healthz ${h.status} at ${healthz} ms; the documents ${done.map((x) => x.status)} at ${ends} ms`);
  const pd = done[0];
  check('attack-14.9 ... the PDF with nosniff, frame-ancestors \'none\', no-store', pd.headers['x-content-type-options'] === 'nosniff' &&
    pd.headers['content-security-policy'] === "frame-ancestors 'none'" && pd.headers['cache-control'] === 'no-store',
    JSON.stringify(pd.headers));
  const o = await get(pdf, T.other);
  check('attack-14.9 ... another agency\'s token: 404, no PDF', o.status === 404 && !!o.json?.error, `status ${o.status}`);
}

// ---- attack-14.3: a request target without its '/' ---------------------------------------------------

async function targets() {
  for (const t of ['v1/cases', 'v1/cases?limit=1', 'v1/stats', 'v1/session']) {
    const r = await exchange(PORT, [`GET ${t} HTTP/1.1\r\nHost: x\r\n${auth(T.handler)}Connection: close\r\n\r\n`]);
    check(`attack-14.3 GET ${t} (no leading '/', which h2o made /${t}): 404, no list`, r.status === 404 &&
      errorOf(r.responses[0]) === 'ENOTFOUND', `status ${r.status} ${r.responses[0]?.text.slice(0, 80)}`);
  }
  const r = await exchange(PORT, [`GET web/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]);
  check('attack-14.3 GET web/app.js: 404', r.status === 404, `status ${r.status}`);
}

// ---- attack-14.4: framing held ---------------------------------------------------------------------

async function framing() {
  const sm = 'GET /v1/cases HTTP/1.1\r\nHost: x\r\n\r\n';
  const head = `POST /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(T.handler)}`;
  for (const [name, raw] of [
    ['Content-Length: 0x2', `${head}Content-Length: 0x2\r\n\r\n{}${sm}`],
    ['Content-Length: 2.0', `${head}Content-Length: 2.0\r\n\r\n{}${sm}`],
    ['an empty Content-Length', `${head}Content-Length: \r\n\r\n{}${sm}`],
    ['Transfer-Encoding:<TAB>chunked with a Content-Length', `${head}Transfer-Encoding:\tchunked\r\nContent-Length: 2\r\n\r\n{}${sm}`],
    ['Transfer-Encoding: CHUNKED with a Content-Length', `${head}Transfer-Encoding: CHUNKED\r\nContent-Length: 2\r\n\r\n{}${sm}`],
    ['Content-Length before Transfer-Encoding', `${head}Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${sm}`],
    ['a chunk size of -2', `${head}Transfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n${sm}`],
    ['a chunk size of 100 zeros and a 2', `${head}Transfer-Encoding: chunked\r\n\r\n${'0'.repeat(100)}2\r\n{}\r\n0\r\n\r\n${sm}`],
    ['HTTP/1.0 with both framings', `POST /v1/cases HTTP/1.0\r\nHost: x\r\n${auth(T.handler)}Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}${sm}`],
  ]) {
    const r = await exchange(PORT, [raw], { want: 2, timeoutMs: 2500 });
    check(`attack-14.4 ${name}: 400, nothing after it read`, r.status === 400 && r.responses.length === 1 && r.closed,
      `answers ${statuses(r)} closed ${r.closed}`);
  }
  // Framing headers in a trailer change nothing: the body was the chunks.
  let r = await exchange(PORT, [`${head}Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`],
    { timeoutMs: 2500 });
  check('attack-14.4 Content-Length and Transfer-Encoding in a chunked body\'s trailer: the body is the chunks ({}: 400 naming workflow)',
    r.status === 400 && /workflow/.test(r.responses[0]?.text || ''), `answers ${statuses(r)} ${r.responses[0]?.text.slice(0, 80)}`);
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n${auth(T.handler)}\r\n`],
    { timeoutMs: 2500 });
  check('attack-14.4 a token sent in a trailer: 401 (never read as a header)', r.status === 401, `answers ${statuses(r)}`);
  for (const [name, raw] of [['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Foo bar\r\n\r\n'],
    ['a space before the colon of Content-Length', `${head}Content-Length : 2\r\n\r\n{}`],
    ['tabs between the request line\'s parts', 'GET\t/healthz\tHTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a fourth part in the request line', 'GET /healthz HTTP/1.1 x\r\nHost: x\r\n\r\n'],
    ['"http/1.1" in lower case', 'GET /healthz http/1.1\r\nHost: x\r\n\r\n']]) {
    r = await exchange(PORT, [raw + sm], { want: 2, timeoutMs: 2500 });
    check(`attack-14.4 ${name}: 400, connection closed`, r.status === 400 && r.responses.length === 1, `answers ${statuses(r)}`);
  }
  // Identical Content-Lengths are one (RFC 9110 8.6): read as 2, both parsers agree.
  r = await exchange(PORT, [`${head}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}`], { timeoutMs: 2500 });
  check('attack-14.4 two identical Content-Lengths: the body is 2 bytes ({}: 400 naming workflow)', r.status === 400 &&
    /workflow/.test(r.responses[0]?.text || ''), `answers ${statuses(r)}`);
  // A body dribbled forever, a chunk at a time, beside another client.
  const slow = exchange(PORT, [`${head}Transfer-Encoding: chunked\r\n\r\n`, ...Array.from({ length: 40 }, (_, i) => (i % 2 ? 250 : '1\r\n \r\n'))],
    { timeoutMs: TIMEOUT_MS * 6 });
  await new Promise((res) => setTimeout(res, 300));
  const other = await get('/v1/cases?limit=1');
  const s = await slow;
  check('attack-14.4 a chunked body dribbled a chunk every 250 ms: cut off near --timeout-ms, another client served meanwhile',
    other.status === 200 && s.closed && s.ms < TIMEOUT_MS * 4 && !s.responses.some((x) => x.status < 300),
    `other ${other.status}, slow one ${statuses(s)} closed ${s.closed} after ${s.ms} ms`);
}

// ---- attack-14.5: JSON, dates and texts at the edges -------------------------------------------------

async function edges() {
  const open = (extra) => call(PORT, 'POST', '/v1/cases', { headers: bearer(T.handler),
    body: typeof extra === 'string' ? extra : { workflow: 'penalty-general', party: { name: '某药房', type: '定点医药机构' }, ...extra } });
  const base = '"workflow":"penalty-general","party":{"name":"某药房","type":"定点医药机构"}';
  for (const [name, body] of [['parent -0', `{${base},"parent":-0}`], ['parent 1.0', `{${base},"parent":1.0}`],
    ['parent "1"', `{${base},"parent":"1"}`], ['parent 18446744073709551616 (2^64)', `{${base},"parent":18446744073709551616}`],
    ['a key with \\u0000', `{${base},"fa\\u0000cts":{}}`], ['a key that is a lone surrogate', `{${base},"\\ud800":1}`],
    ['"Workflow" beside "workflow"', `{${base},"Workflow":"x"}`], ['a BOM inside the body, between members', `{${base},\ufeff"facts":{}}`]]) {
    const r = await open(body);
    check(`attack-14.5 ${name}: 400, nothing opened`, r.status === 400 && !!r.json?.error, `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  let r = await open({ party: { name: '某药房\uffff\ufdd0', type: '定点医药机构' } });
  const back = r.json?.id && (await get(`/v1/cases/${r.json.id}`)).json?.party?.name;
  check('attack-14.5 a name with the noncharacters U+FFFF and U+FDD0: stored and read back as sent', back === '某药房\uffff\ufdd0',
    `status ${r.status}, read back ${JSON.stringify(back)}`);
  // Date facts: only a day of the calendar, as YYYY-MM-DD.
  for (const d of ['2026-02-29', '2026-13-01', '12026-01-01', '+2026-01-01', '2026-1-1', '２０２６-01-01', '2026-01-01T00:00:00+08:00', ' 2026-01-01']) {
    r = await open({ facts: { violation_ended_on: d } });
    check(`attack-14.5 a date fact ${JSON.stringify(d)}: 400 naming the fact`, r.status === 400 && /violation_ended_on/.test(r.text),
      `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  const c = await filed();
  for (const at of ['2026-03-01T09:00:60+08:00', '2026-03-01T24:00:00+08:00', '2026-03-01T09:00:00+0800', '2026-03-01T09:00:00',
    '2026-03-01 09:00:00+08:00', '2026-03-01t09:00:00z', '2026-W09-7T09:00:00+08:00', '2026-060T09:00:00+08:00',
    '2026-03-01T09:00:00.123456789+08:00', '9999-12-31T23:59:59+08:00']) {
    r = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers: OFFICERS, obtained_at: at });
    check(`attack-14.5 evidence obtained_at ${at}: 400 naming obtained_at`, r.status === 400 && /obtained_at/.test(r.text),
      `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  const rec = { kind: '询问笔录', officers: OFFICERS, place: 'p', person: { name: 'x', role: '当事人' } };
  // (the daemon's clock: round5.mjs moved it a day on)
  const at = (await get(`/v1/cases/${c.id}`)).json?.opened_at;
  const before = new Date(Date.parse(at) - 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  for (const [what, s, e, field] of [['started 0001-01-01', '0001-01-01T00:00:00+08:00', undefined, 'started_at'],
    ['ended 9999-12-31', at, '9999-12-31T00:00:00+08:00', 'ended_at'],
    ['ended before it started', at, before, 'ended_at']]) {
    r = await post(`/v1/cases/${c.id}/records`, { ...rec, started_at: s, ended_at: e });
    check(`attack-14.5 a record ${what}: 400 naming ${field}`, r.status === 400 && r.text.includes(field), `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  for (const [f, t] of [['0001-01-01T00:00:00+08:00', '0001-01-02T00:00:00+08:00'], ['2026-03-03T10:00:00+08:00', '2026-03-03T09:00:00+08:00']]) {
    r = await post(`/v1/cases/${c.id}/exclusions`, { clock: 'decision', from: f, to: t, reason: '鉴定' }, T.head);
    check(`attack-14.5 an exclusion ${f.slice(0, 10)} to ${t.slice(0, 16)}: 422 exclusion-period`, r.status === 422 && r.json?.rule === 'exclusion-period',
      `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  for (const by of ['+5 days', '1e3 days', '０５ days', '5', '1 years']) {
    r = await post(`/v1/cases/${c.id}/extensions`, { clock: 'decision', by, reason: 'x' }, T.head);
    check(`attack-14.5 an extension by ${JSON.stringify(by)}: 400`, r.status === 400, `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  for (const q of ['from=9999-12-31&to=0001-01-01', 'from=2026-01-01T00:00:00%2B08:00', 'due_within=9223372036854775807', 'due_within=0d']) {
    r = await get(`/v1/stats?${q}`);
    check(`attack-14.5 stats ${q}: 400`, r.status === 400, `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  // 3000 CJK characters (9000 bytes), one to three ASCII letters before them, in every
  // field: a 4xx in JSON whose text is whole UTF-8 (a text cut short mid-character
  // would be no JSON string at all).
  const L = (off) => 'x'.repeat(off) + '案'.repeat(3000);
  const fields = (off) => [
    ['workflow', '/v1/cases', { workflow: L(off), party: { name: 'a' } }],
    ['matter', '/v1/cases', { matter: L(off), party: { name: 'a' } }],
    ['party.type', '/v1/cases', { workflow: 'penalty-general', party: { name: 'a', type: L(off) } }],
    ['party.kind', '/v1/cases', { workflow: 'penalty-general', party: { name: 'a', kind: L(off) } }],
    ['cause', '/v1/cases', { workflow: 'penalty-general', party: { name: 'a', type: '定点医药机构' }, cause: L(off) }],
    ['a fact\'s name', '/v1/cases', { workflow: 'penalty-general', party: { name: 'a' }, facts: { [L(off)]: 'x' } }],
    ['a value of a fact that lists its values', '/v1/cases', { workflow: 'penalty-general', party: { name: 'a' }, facts: { payment_method: L(off) } }],
    ['a field not taken', '/v1/cases', { workflow: 'penalty-general', party: { name: 'a' }, [L(off)]: 1 }],
    ['action', `/v1/cases/${c.id}/actions`, { action: L(off) }],
    ['a document\'s name', `/v1/cases/${c.id}/actions`, { action: 'file', documents: { [L(off)]: { content_base64: 'eA==', file: 'a' } } }],
    ['clock', `/v1/cases/${c.id}/extensions`, { clock: L(off), by: '1 day' }],
    ['by', `/v1/cases/${c.id}/extensions`, { clock: 'decision', by: L(off) }],
    ['reason', `/v1/cases/${c.id}/exclusions`, { clock: 'decision', from: '2026-03-02T09:00:00+08:00', to: '2026-03-02T10:00:00+08:00', reason: L(off) }],
    ['kind', `/v1/cases/${c.id}/evidence`, { kind: L(off), title: 't', source: 's', method: 'm', officers: OFFICERS }],
    ['officers[].name', `/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: 'm', officers: [{ name: L(off) }, { name: L(off + 1) }] }],
    ['person.role', `/v1/cases/${c.id}/records`, { ...rec, started_at: at, person: { name: 'x', role: L(off) } }],
  ];
  for (const [field] of fields(0)) {
    const bad = [];
    for (const off of [0, 1, 2]) {
      const [, p, body] = fields(off).find(([f]) => f === field);
      r = await post(p, body, T.head, { 'If-Match': `"${c.version}"` });
      if (!(r.status >= 400 && r.status < 500 && typeof r.json?.text === 'string' && !r.json.text.includes('\ufffd')))
        bad.push(`${off}: ${r.status} ${r.text.slice(0, 80)}`);
    }
    check(`attack-14.5 3000 CJK characters in ${field}: 4xx, its text whole UTF-8 in JSON`, bad.length === 0, bad.join(' / '));
  }
}

// ---- attack-14.6: route parameters, other agencies, tokens where they are not taken -----------------

async function params() {
  const c = await filed('某甲药房');
  for (const [p, want] of [[`/v1/cases/${c.id}/documents/%c0%ae%c0%ae.pdf`, 400], [`/v1/cases/${c.id}/documents/%252e%252e%252f.pdf`, 404],
    [`/v1/cases/${c.id}/documents/%ef%bc%8e%ef%bc%8e.pdf`, 404], [`/v1/cases/${c.id}/documents/.pdf`, 404],
    [`/v1/cases/${c.id}/documents/${'a'.repeat(300)}.pdf`, 404], [`/v1/cases/${c.id}/files/${'A'.repeat(64)}`, 404],
    [`/v1/cases/${c.id}/files/${'a'.repeat(64)}/x`, 404], ['/v1/workflows/penalty-general?version=0', 400],
    ['/v1/workflows/penalty-general?version=18446744073709551617', 400], ['/v1/workflows/penalty-general?version=1e0', 400],
    ['/v1/workflows/%2e%2e', 404], ['/v1/workflows/..%2f..%2fetc%2fpasswd', 404], ['/v1/workflows/PENALTY-GENERAL', 404]]) {
    const r = await get(p);
    check(`attack-14.6 GET ${p.slice(0, 60)}: ${want} JSON`, r.status === want && !!r.json?.error && !/root:/.test(r.text),
      `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  // Another agency's token with this agency's names in its filters: nothing of this agency.
  const mine = (await get(`/v1/cases/${c.id}`)).json;
  for (const p of [`/v1/cases?parent=${c.id}`, `/v1/cases?number=${encodeURIComponent(mine?.number || 'x')}`,
    `/v1/cases?q=${encodeURIComponent('某甲药房')}`, `/v1/cases?handler=${encodeURIComponent('张三')}`,
    `/v1/alerts?handler=${encodeURIComponent('张三')}`, `/v1/cases?cursor=${c.id - 1}&limit=5`]) {
    const r = await get(p, T.other);
    check(`attack-14.6 another agency GET ${decodeURIComponent(p)}: 200, none of this agency's`, r.status === 200 &&
      Array.isArray(r.json) && !r.text.includes('某甲药房') && !r.json.some((x) => x.id === c.id), `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  const st = await get(`/v1/stats?handler=${encodeURIComponent('张三')}`, T.other);
  check('attack-14.6 another agency\'s stats for this agency\'s handler: nothing opened', st.status === 200 && !st.text.includes('某甲药房') &&
    (st.json?.opened === 0 || st.json?.opened?.total === 0 || !/"opened":\s*[1-9]/.test(st.text)), `status ${st.status} ${st.text.slice(0, 120)}`);
  // A token is taken from the Authorization header (Bearer, one space) or a session only.
  for (const [name, opts] of [[`access_token= in the query`, { path: `/v1/cases?access_token=${T.handler}` }],
    ['Authorization: Basic', { h: { Authorization: `Basic ${Buffer.from(`${T.handler}:`).toString('base64')}` } }],
    ['Bearer<TAB>token', { h: { Authorization: `Bearer\t${T.handler}` } }], ['Bearer and two spaces', { h: { Authorization: `Bearer  ${T.handler}` } }],
    ['the token in capitals', { h: { Authorization: `Bearer ${T.handler.toUpperCase()}` } }],
    ['X-Auth-Token', { h: { 'X-Auth-Token': T.handler } }], ['a token of 60,000 characters', { h: { Authorization: `Bearer ${'a'.repeat(60000)}` } }]]) {
    const r = await call(PORT, 'GET', opts.path || '/v1/cases?limit=1', { headers: opts.h || {}, from: FAILING });
    check(`attack-14.6 ${name}: 401 (or 429), no list`, (r.status === 401 || r.status === 429) && !Array.isArray(r.json),
      `status ${r.status} ${r.text.slice(0, 80)}`);
  }
  const r = await call(PORT, 'GET', `/v1/session?token=${T.handler}`, { from: FAILING });
  check('attack-14.6 GET /v1/session?token=: no session made', r.status === 401 && !cookieOf(r), `status ${r.status} ${r.headers['set-cookie']}`);
}

// ---- attack-14.7: the browser's side ---------------------------------------------------------------

async function browser() {
  let r = await call(PORT, 'POST', '/v1/session', { headers: JSONTYPE, body: { token: T.head } });
  const ck = cookieOf(r);
  const csrf = r.json?.csrf;
  const sc = r.headers['set-cookie'] || '';
  check('attack-14.7 the session cookie: HttpOnly, SameSite=Strict, Path=/, no Domain (not sent to sibling hosts)',
    /HttpOnly/i.test(sc) && /SameSite=Strict/i.test(sc) && /Path=\//.test(sc) && !/Domain=/i.test(sc), sc);
  const me = `127.0.0.1:${PORT}`;
  const body = { workflow: 'penalty-general', party: { name: 'csrf', type: '定点医药机构' } };
  for (const origin of [`http://${me}.evil.example`, `http://${me}/`, `http://evil.example#${me}`, `http://${me} http://evil.example`,
    `http://evil.example/${me}`, 'null']) {
    r = await call(PORT, 'POST', '/v1/cases', { headers: { Host: me, Cookie: `cf_session=${ck}`, 'X-CSRF-Token': csrf, Origin: origin }, body });
    check(`attack-14.7 a change by cookie, Origin ${origin}: 403 EORIGIN`, r.status === 403 && r.json?.error === 'EORIGIN', `status ${r.status}`);
  }
  r = await call(PORT, 'post', '/v1/cases', { headers: { Host: me, Cookie: `cf_session=${ck}` }, body });
  check('attack-14.7 "post" in lower case with the cookie and no CSRF header: refused', r.status >= 400 && r.status !== 500 && r.status < 500,
    `status ${r.status}`);
  r = await call(PORT, 'GET', '/v1/session', { headers: { Cookie: `cf_session=${ck}`, 'X-HTTP-Method-Override': 'DELETE' } });
  const still = await call(PORT, 'GET', '/v1/session', { headers: { Cookie: `cf_session=${ck}` } });
  check('attack-14.7 GET /v1/session with X-HTTP-Method-Override: DELETE: not signed out', r.status === 200 && still.status === 200,
    `${r.status} then ${still.status}`);
  // CORS: no answer lets another origin read it.
  const c = await filed();
  for (const [m, p, h] of [['GET', '/v1/cases?limit=1', bearer(T.handler, { Origin: 'http://evil.example' })],
    ['GET', `/v1/cases/${c.id}`, { Cookie: `cf_session=${ck}`, Origin: 'http://evil.example' }],
    ['OPTIONS', '/v1/cases', { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' }],
    ['OPTIONS', '/v1/session', { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'POST' }],
    ['GET', '/web/app.js', { Origin: 'http://evil.example' }]]) {
    r = await call(PORT, m, p, { headers: h });
    check(`attack-14.7 ${m} ${p} from Origin evil.example: no Access-Control-Allow-* header`,
      !Object.keys(r.headers).some((k) => k.startsWith('access-control-allow')) && r.status !== 204, `status ${r.status} ${Object.keys(r.headers)}`);
  }
  // The next page's Link repeats the query as it came, percent-encoded: a q holding
  // '>', ';', '"', ',' or CR LF adds no link and no header.
  for (let i = 0; i < 2; i++) await post('/v1/cases', { workflow: 'penalty-general', party: { name: '>; rel="preload", <http://evil>', type: '定点医药机构' } });
  r = await get(`/v1/cases?limit=1&q=${encodeURIComponent('>; rel="preload", <http://evil>\r\nX-Evil: 1')}`);
  r = r.json?.length ? r : await get(`/v1/cases?limit=1&q=${encodeURIComponent('>; rel="preload", <http://evil>')}`);
  const link = r.headers.link || '';
  check('attack-14.7 the next page\'s Link with q of >;",<> and CR LF: one link, rel="next", the query still encoded, no header added',
    r.status === 200 && /^<\/v1\/cases\?[^<>"\s]*>; rel="next"$/.test(link) && !('x-evil' in r.headers), `status ${r.status} link ${link}`);
  // The workbench's pages, 404s under /web too, refuse frames; a stored text is JSON, never a page.
  for (const p of ['/', '/web/index.html', '/web/nope.html', '/web/app.css']) {
    r = await call(PORT, 'GET', p);
    check(`attack-14.7 the workbench's ${p} (${r.status}): frame-ancestors 'none', X-Frame-Options DENY, nosniff`,
      /frame-ancestors 'none'/.test(r.headers['content-security-policy'] || '') && r.headers['x-frame-options'] === 'DENY' &&
      r.headers['x-content-type-options'] === 'nosniff', JSON.stringify(r.headers).slice(0, 200));
  }
  const xss = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  r = await post('/v1/cases', { workflow: 'penalty-general', party: { name: xss, type: '定点医药机构' } });
  const read = await call(PORT, 'GET', `/v1/cases/${r.json?.id}`, { headers: { Cookie: `cf_session=${ck}` } });
  check('attack-14.7 a party named <img onerror>/<script>: read back as JSON text (application/json, nosniff, sandboxed)',
    read.status === 200 && /^application\/json/.test(read.headers['content-type']) && read.headers['x-content-type-options'] === 'nosniff' &&
    /sandbox/.test(read.headers['content-security-policy'] || '') && read.json?.party?.name === xss, `status ${read.status}`);
  // A download's name: CJK, a quote, a newline, a percent sign, a semicolon.
  const name = '立案"审批表\n100%25;x=1<b>.html';
  r = await post(`/v1/cases/${c.id}/evidence`, { kind: '书证', title: 't', source: 's', method: '调取', officers: OFFICERS,
    file: { name, content_base64: Buffer.from('<script>alert(1)</script>').toString('base64') } });
  const sha = r.json?.events?.[0]?.evidence?.file?.sha256;
  r = await get(`/v1/cases/${c.id}/files/${sha}`);
  const cd = r.headers['content-disposition'] || '';
  const plain = /filename="([^"]*)"/.exec(cd)?.[1];
  const star = /filename\*=UTF-8''(\S*)$/.exec(cd)?.[1] || '';
  check('attack-14.7 a download named 立案"审批表<LF>100%25;x=1<b>.html: attachment, octet-stream, one quoted name, filename* decoding to the name',
    r.status === 200 && /^attachment;/.test(cd) && r.headers['content-type'] === 'application/octet-stream' &&
    r.headers['x-content-type-options'] === 'nosniff' && plain !== undefined && !/[\r\n"]/.test(plain) &&
    /^[A-Za-z0-9%._~!$&'()*+-]*$/.test(star) && decodeURIComponent(star) === name, `${r.status} ${r.headers['content-type']} ${cd}`);
}

// ---- attack-14.8: one version, many writers ---------------------------------------------------------

async function race() {
  const c = await opened('竞态药房');
  const body = { action: 'file', facts: { filing_reason: 'x', cause: 'js-2024:14', officers: OFFICERS },
    documents: { 立案审批表: { content_base64: 'eA==', file: 'a.pdf' } } };
  const rs = await Promise.all(Array.from({ length: 12 }, () => post(`/v1/cases/${c.id}/actions`, body, T.head, { 'If-Match': `"${c.version}"` })));
  const ev = await get(`/v1/cases/${c.id}/events`);
  const filings = (ev.json || []).filter((e) => e.type === 'transition' || e.action === 'file').length;
  check('attack-14.8 12 立案 at once on one version: one 200, eleven 409, one transition on the chain',
    rs.filter((x) => x.status === 200).length === 1 && rs.filter((x) => x.status === 409).length === 11 && filings === 1,
    `${rs.map((x) => x.status).join(',')}; ${filings} filings`);
  const v = (await get(`/v1/cases/${c.id}`)).json?.version;
  for (const [im, want] of [['*', 400], [`"${v}", "${v + 1}"`, 400], [`"${v}"x`, 400], [`w/"${v}"`, 400], [`"${v - 1}"`, 409],
    [`"${v + 1}"`, 409], ['"9223372036854775808"', 400]]) {
    const r = await post(`/v1/cases/${c.id}/actions`, { action: 'not_file', facts: { not_filing_reason: 'x' } }, T.head, { 'If-Match': im });
    check(`attack-14.8 If-Match ${im}: ${want}, nothing written`, r.status === want, `status ${r.status} ${r.text.slice(0, 100)}`);
  }
  const after = (await get(`/v1/cases/${c.id}`)).json?.version;
  check('attack-14.8 ... the case still at its version', after === v, `${v} -> ${after}`);
  // If-Match is optional on evidence and extensions, and holds as on actions when sent.
  const items = await Promise.all(Array.from({ length: 8 }, (_, i) => post(`/v1/cases/${c.id}/evidence`,
    { kind: '书证', title: `竞态${i}`, source: 's', method: '调取', officers: OFFICERS }, T.handler, { 'If-Match': `"${v}"` })));
  const reg = await get(`/v1/cases/${c.id}/evidence`);
  check('attack-14.8 8 items of evidence at once on one version (If-Match): one 201, seven 409, one item in the register',
    items.filter((x) => x.status === 201).length === 1 && items.filter((x) => x.status === 409).length === 7 && reg.json?.length === 1,
    `${items.map((x) => x.status).join(',')}; ${reg.json?.length} items`);
  const v2 = (await get(`/v1/cases/${c.id}`)).json?.version;
  const ex = await Promise.all(Array.from({ length: 6 }, () => post(`/v1/cases/${c.id}/extensions`,
    { clock: 'decision', by: '1 day', reason: 'x' }, T.head, { 'If-Match': `"${v2}"` })));
  const events = (await get(`/v1/cases/${c.id}/events`)).json || [];
  check('attack-14.8 6 extensions at once on one version (If-Match): one 200, five 409, one clock.extended',
    ex.filter((x) => x.status === 200).length === 1 && ex.filter((x) => x.status === 409).length === 5 &&
    events.filter((e) => e.type === 'clock.extended').length === 1, `${ex.map((x) => x.status).join(',')} ${ex[0].text.slice(0, 80)}`);
}

async function main() {
  await streams();
  await longLists();
  await documents();
  await targets();
  await framing();
  await edges();
  await params();
  await browser();
  await race();
  const r = await call(PORT, 'GET', '/healthz', { timeoutMs: 3000 });
  check('attack-14 (daemon still answers)', r.status === 200, `healthz ${r.status}`);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL attack-14: ${e.stack}`); process.exit(1); });
