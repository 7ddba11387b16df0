// wire.mjs -- attack-10 and attack-11, the third round's probes (tests/attack/attack.sh
// runs it after attack.mjs). attack-10 goes to the main daemon (PORT): heads a proxy
// and h2o could read differently, request-target forms, methods, HEAD, JSON strings.
// attack-11 goes to a second daemon (PORT2, its own database, token TOKEN2) started
// with `--allowed-host caseflow.example` and a file limit of FD_LIMIT: DNS rebinding,
// and more connections than it has descriptors (the loop must not spin, nor crash,
// and it must answer again once they are gone).
// Prints one line per probe ("ok" / "FAIL" and why) and exits 1 if any failed.
import fs from 'node:fs';
import net from 'node:net';
import { call, exchange } from './http.mjs';

const env = process.env;
const PORT = Number(env.PORT);
const PORT2 = Number(env.PORT2);
const PID2 = env.PID2;
const FD_LIMIT = Number(env.FD_LIMIT);
const TOKEN = env.HANDLER;
const TIMEOUT_MS = Number(env.TIMEOUT_MS);
const TOKEN2 = env.TOKEN2;

let passed = 0;
const failures = [];
function check(id, cond, why) {
  if (cond) { passed++; console.log(`ok   ${id}`); }
  else { failures.push(id); console.log(`FAIL ${id}: ${why}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const is4xx = (s) => s >= 400 && s < 500;
const isJson = (a) => /^application\/json/.test(a?.headers['content-type'] || '');
const errorOf = (a) => { try { return JSON.parse(a.text).error; } catch { return null; } };
async function alive(id, port = PORT) {
  const r = await call(port, 'GET', '/healthz', { timeoutMs: 3000 });
  check(`${id} (daemon still answers)`, r.status === 200, `healthz ${r.status} after ${r.ms} ms`);
}
const auth = (t) => `Authorization: Bearer ${t}\r\n`;

// ---- attack-10: heads, targets, methods, HEAD, JSON strings ----------------------------------------

async function heads() {
  const smuggled = 'GET /v1/cases HTTP/1.1\r\nHost: x\r\n\r\n';
  // obs-fold: h2o 2.2.5 dropped the continuation; a proxy joining it reads another header.
  for (const [name, head] of [
    ['obs-fold of a plain header', 'X-A: a\r\n b\r\n'],
    ['obs-fold of Transfer-Encoding', 'Transfer-Encoding: identity\r\n chunked\r\n'],
    ['obs-fold by a tab', 'X-A: a\r\n\tb\r\n'],
  ]) {
    const r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(TOKEN)}${head}` +
      `Content-Length: 5\r\n\r\n0\r\n\r\n${smuggled}`], { want: 2, timeoutMs: 2000 });
    const a = r.responses[0];
    check(`attack-10.1 ${name}: 400 JSON, nothing after it read`,
      a?.status === 400 && isJson(a) && r.responses.length === 1,
      `statuses ${r.responses.map((x) => x.status)} ${a?.text.slice(0, 100)}`);
  }
  let r = await exchange(PORT, ['GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n']);
  check('attack-10.2 two Host headers: 400 JSON EFRAMING', r.status === 400 && errorOf(r.responses[0]) === 'EFRAMING',
    `status ${r.status} ${r.responses[0]?.text.slice(0, 100)}`);
  r = await exchange(PORT, ['GET /healthz HTTP/1.1\r\n\r\n']);
  check('attack-10.2 HTTP/1.1 without Host: 400 JSON EFRAMING', r.status === 400 && errorOf(r.responses[0]) === 'EFRAMING',
    `status ${r.status} ${r.responses[0]?.text.slice(0, 100)}`);
  // Bare LF line ends are read as CRLF by h2o: smuggling through them is still refused.
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\nHost: x\n${auth(TOKEN).replace('\r', '')}Content-Length: 4\n` +
    `Transfer-Encoding: chunked\n\n0\r\n\r\n${smuggled}`], { want: 2, timeoutMs: 2000 });
  check('attack-10.3 bare LF with both framings: 400, nothing after it read',
    r.status === 400 && r.responses.length === 1, `statuses ${r.responses.map((x) => x.status)}`);
  for (const [name, cl] of [['"+2"', '+2'], ['"2, 2"', '2, 2'], ['" 0x2"', '0x2']]) {
    r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(TOKEN)}Content-Length: ${cl}\r\n\r\n{}`]);
    check(`attack-10.4 Content-Length ${name}: 400`, r.status === 400, `status ${r.status}`);
  }
  r = await exchange(PORT, [`POST /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(TOKEN)}Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`]);
  check('attack-10.5 "Transfer-Encoding :" (space before the colon): 400', r.status === 400, `status ${r.status}`);
}

async function targets() {
  // Absolute-form: routed by its path on this server, never fetched from the named host.
  let r = await call(PORT, 'GET', 'http://evil.example/v1/cases', { headers: { Authorization: `Bearer ${TOKEN}` } });
  check('attack-10.6 absolute-form target: no list, no fetch', r.status !== 200 || !Array.isArray(r.json),
    `status ${r.status} ${r.text.slice(0, 80)}`);
  r = await exchange(PORT, ['CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n'], { timeoutMs: 2000 });
  check('attack-10.7 CONNECT (authority-form): 4xx, no tunnel', (is4xx(r.status) || (r.closed && !r.status)) &&
    !/SSH-/.test(r.raw.toString('latin1')), `status ${r.status}`);
  r = await exchange(PORT, ['OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']);
  check('attack-10.8 OPTIONS *: 4xx', is4xx(r.status), `status ${r.status}`);
  r = await exchange(PORT, [`TRACE /v1/cases HTTP/1.1\r\nHost: x\r\n${auth(TOKEN)}X-Secret: reflected?\r\nConnection: close\r\n\r\n`]);
  check('attack-10.9 TRACE: 405, nothing reflected', r.status === 405 && !r.raw.includes(TOKEN) &&
    !r.raw.includes('reflected?'), `status ${r.status}`);
  for (const v of ['0.9', '2.0', '9.9']) {
    r = await exchange(PORT, [`GET /healthz HTTP/${v}\r\nHost: x\r\n\r\n`]);
    check(`attack-10.10 HTTP/${v}: 400 or closed`, r.status === 400 || (r.closed && !r.status), `status ${r.status}`);
  }
}

// HEAD on every kind of route: the GET's status and headers, no body (a body would be
// read as the start of the next answer on the connection).
async function head() {
  for (const p of ['/healthz', '/v1/cases', '/v1/cases/1', '/', '/index.html', '/nope.js', '/metrics', '/v1/stats?format=csv',
    '/v1/cases/1/export', '/v1/workflows']) {
    const r = await exchange(PORT, [`HEAD ${p} HTTP/1.1\r\nHost: x\r\n${auth(TOKEN)}\r\n` +
      'GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { want: 2, timeoutMs: 3000, headOnly: true });
    // headOnly: no body is expected after either head; the second answer's head must follow the first's at once.
    const raw = r.raw.toString('latin1');
    const second = raw.indexOf('\r\n\r\nHTTP/1.1 ');
    check(`attack-10.11 HEAD ${p}: a head alone, the next answer right after it`,
      r.responses.length === 2 && second > 0 && r.responses[1].status === 200,
      `answers ${r.responses.map((x) => x.status)}: ${JSON.stringify(raw.slice(0, 160))}`);
  }
}

async function strings() {
  for (const [name, body] of [
    ['a number 1e999', '{"workflow":"penalty-general","party":{"name":"x"},"facts":{"a":1e999}}'],
    ['a lone high surrogate', '{"workflow":"penalty-general","party":{"name":"\\ud800x"}}'],
    ['a lone low surrogate', '{"workflow":"penalty-general","party":{"name":"\\udc00"}}'],
    ['surrogates reversed', '{"workflow":"penalty-general","party":{"name":"\\udc00\\ud800"}}'],
    ['trailing garbage', '{"workflow":"penalty-general","party":{"name":"x"}} {"a":1}'],
    ['a byte order mark', '\ufeff{"workflow":"penalty-general","party":{"name":"x"}}'],
    ['20,000 numbers', `{"workflow":"penalty-general","party":{"name":"x"},"officers":[${Array(20000).fill('0').join(',')}]}`],
  ]) {
    const r = await call(PORT, 'POST', '/v1/cases', { headers: { Authorization: `Bearer ${TOKEN}` }, body });
    check(`attack-10.12 JSON with ${name}: 400 JSON, nothing opened`, r.status === 400 && !!r.json?.error,
      `status ${r.status} ${r.text.slice(0, 100)}`);
  }
}

// Slow readers: requests pipelined by the thousand and the answers never read (the
// socket paused). Each must be cut after about the timeout, not held for as long as the
// client likes: after TIMEOUT_MS * 4 the reader resumes and gets a part of the answers,
// then the end.
async function slowReaders() {
  const one = 'GET /casepage.js HTTP/1.1\r\nHost: x\r\n\r\n';
  const want = 3000;
  const size = fs.statSync(new URL('../../web/casepage.js', import.meta.url)).size;
  const runs = [];
  for (let i = 0; i < 20; i++) {
    runs.push(new Promise((res) => {
      const s = net.connect(PORT, '127.0.0.1');
      let got = 0;
      let closed = false;
      s.on('connect', () => { s.write(one.repeat(want)); s.pause(); });
      s.on('data', (d) => { got += d.length; });
      s.on('close', () => { closed = true; });
      s.on('error', () => {});
      setTimeout(() => {
        s.resume();
        setTimeout(() => { s.destroy(); res({ got, closed }); }, 2000);
      }, TIMEOUT_MS * 4);
    }));
  }
  const ends = await Promise.all(runs);
  check(`attack-10.13 20 readers that never read ${want} pipelined answers: cut off`,
    ends.every((e) => e.closed && e.got < want * size),
    ends.map((e) => `${e.closed ? 'closed' : 'open'} ${e.got} B`).slice(0, 4).join(', '));
}

// ---- attack-11: the Host allowlist; the file limit (the second daemon) ------------------------------

async function rebinding() {
  for (const h of ['evil.example', 'evil.example:8080', 'caseflow.example.evil.example', '127.0.0.1.evil.example']) {
    for (const p of ['/', '/healthz', '/v1/cases']) {
      const r = await exchange(PORT2, [`GET ${p} HTTP/1.1\r\nHost: ${h}\r\n${auth(TOKEN2)}\r\n`]);
      const a = r.responses[0];
      check(`attack-11.1 Host: ${h} GET ${p}: 421 JSON EHOST, Connection: close`,
        a?.status === 421 && errorOf(a) === 'EHOST' && /close/i.test(a.headers.connection || ''),
        `status ${r.status} connection ${a?.headers.connection}`);
    }
  }
  for (const h of ['caseflow.example', 'CASEFLOW.example:443', 'localhost:8080', '127.0.0.1', '[::1]']) {
    const r = await exchange(PORT2, [`GET /v1/cases HTTP/1.1\r\nHost: ${h}\r\n${auth(TOKEN2)}Connection: close\r\n\r\n`]);
    check(`attack-11.2 Host: ${h}: served`, r.status === 200, `status ${r.status}`);
  }
}

function cpuTicks(pid) {
  const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

async function descriptors() {
  const socks = [];
  const n = FD_LIMIT * 3;
  for (let i = 0; i < n; i++) {
    socks.push(await new Promise((res) => {
      const s = net.connect(PORT2, '127.0.0.1');
      s.on('connect', () => res(s));
      s.on('error', () => res(s));
    }));
  }
  await sleep(300);
  const t0 = cpuTicks(PID2);
  await sleep(2000);
  const used = cpuTicks(PID2) - t0;
  console.log(`     (${n} connections, file limit ${FD_LIMIT}: ${used} CPU ticks in 2 s)`);
  // A loop spinning on EMFILE burns the 2 s whole (200 ticks); an idle one next to none.
  check(`attack-11.3 ${n} connections past a file limit of ${FD_LIMIT}: the loop does not spin`,
    used < 50, `${used} CPU ticks in 2 s`);
  socks.forEach((s) => s.destroy());
  await sleep(500);
  let r = { status: 0 };
  for (let i = 0; i < 20 && r.status !== 200; i++) {
    r = await call(PORT2, 'GET', '/v1/cases', { headers: { Authorization: `Bearer ${TOKEN2}` }, timeoutMs: 2000 });
    if (r.status !== 200) await sleep(250);
  }
  check('attack-11.4 once they are gone, the daemon answers again', r.status === 200, `status ${r.status}`);
}

async function main() {
  await heads();
  await targets();
  await head();
  await strings();
  await slowReaders();
  await alive('attack-10');
  await rebinding();
  await descriptors();
  await alive('attack-11', PORT2);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => { console.log(`FAIL wire: ${e.stack}`); process.exit(1); });
