// walk.mjs -- the workbench in a real browser (Debian's chromium, headless,
// driven by puppeteer-core; started by walk.sh with BASE, the tokens and
// SHOTS set). One case walked by a handler (张三) and a head (李四) from the
// new-case form to the archive, through the pages a user sees, then checked
// by an auditor; every page's screenshot saved. Fails on any console error
// or failed request beyond the ones the walk provokes on purpose (the 401 of
// the first visit, the refused filing's 422, the stale version's 409).
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';

const {BASE, SHOTS, HANDLER, HEAD, AUDITOR, CHROMIUM} = process.env;
const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">某某大药房';
const problems = [];
const expected = [];        // [method, path regexp, status] the walk provokes on purpose
let passed = 0;
const T0 = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-walk-'));
const doc = path.join(tmp, '文书.pdf');
fs.writeFileSync(doc, '%PDF-1.4 test document\n');

function check(cond, what) {
  if (!cond) throw new Error('FAIL: ' + what);
  passed++;
  console.log('ok', passed, '-', what, '(' + ((Date.now() - T0) / 1000).toFixed(1) + ' s)');
}

function expect(method, re, status) {
  expected.push({method, re, status, seen: false});
}

function watch(page, who) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // the browser's own line for an HTTP error: every such response is checked below
    if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) return;
    problems.push(`${who}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // an event stream cut by the page going away is not a failure
    if (r.url().endsWith('/v1/stream')) return;
    problems.push(`${who}: request failed: ${r.method()} ${r.url()} ${r.failure() && r.failure().errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    const u = new URL(r.url());
    const m = r.request().method();
    const e = expected.find((x) => (!x.seen || x.many) && x.method === m && x.re.test(u.pathname) && x.status === r.status());
    if (e) e.seen = true;
    else problems.push(`${who}: unexpected ${r.status()} for ${m} ${u.pathname}`);
  });
}

/* An endpoint the page uses where the server has it (from branches merged
 * later): when this server answers 404, the page's 404s for it are expected and
 * the page must say the server does not provide it. */
const missing = new Set();
async function optional(name, url, re) {
  const r = await fetch(BASE + url, {headers: {Authorization: 'Bearer ' + HEAD}});
  if (r.status !== 404) return;
  missing.add(name);
  expected.push({method: 'GET', re, status: 404, seen: true, many: true});
  console.log(`# this server has no ${url.split('?')[0]}: the page does without it`);
}

async function shot(page, name) {
  await page.screenshot({path: path.join(SHOTS, name + '.png'), fullPage: true});
}

async function signIn(browser, token, who) {
  const ctx = await browser.createBrowserContext();
  const page = await ctx.newPage();
  await page.setViewport({width: 1400, height: 900});
  watch(page, who);
  expect('GET', /^\/v1\/session$/, 401);
  await page.goto(BASE + '/', {waitUntil: 'domcontentloaded'});
  await page.waitForSelector('#signin #token');
  await shot(page, '01-signin');
  await page.type('#token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#worklist');
  return page;
}

async function text(page, sel) {
  return page.$eval(sel, (el) => el.textContent);
}

async function openCase(page, id) {
  await page.evaluate((h) => {
    const st = document.querySelector('#case-state');
    if (st) st.remove();
    if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = h;
  }, '#/case/' + id);
  await page.waitForFunction((id) => document.querySelector('#case-state') && location.hash === '#/case/' + id, {}, id);
}

/* Fills the form of the action labelled `label` (facts by id; officers as
 * [[name, cert]...]), attaches the test document to every file input, submits,
 * and waits for the page to answer (a new page, or a refusal). */
async function act(page, label, facts, opts = {}) {
  const sel = `form.action[data-label="${label}"]`;
  await page.waitForSelector(sel);
  const form = await page.$(sel);
  await form.evaluate((f) => { f.closest('details').open = true; });
  for (const [id, v] of Object.entries(facts)) {
    if (id === 'officers') {
      const rows = await form.$$('.officer');
      for (let i = rows.length; i < v.length; i++) await (await form.$('.add-officer')).click();
      const all = await form.$$('.officer');
      for (let i = 0; i < v.length; i++) {
        await all[i].$eval('.officer-name', (el, x) => { el.value = x; }, v[i][0]);
        await all[i].$eval('.officer-cert', (el, x) => { el.value = x; }, v[i][1]);
      }
      continue;
    }
    const el = await form.$(`[data-fact="${id}"]`);
    if (!el) throw new Error(`no input for fact ${id} in ${label}`);
    await el.evaluate((e, x) => {
      if (e.tagName === 'SELECT' && ![...e.options].some((o) => o.value === x))
        e.appendChild(new Option(x, x)); // a 案由 the dictionary lists under another label
      e.value = x;
    }, v);
  }
  for (const f of await form.$$('input[type=file]')) await f.uploadFile(doc);
  await page.evaluate(() => { const m = document.querySelector('#case-message'); if (m) m.remove(); });
  await form.$eval('button[type=submit]', (b) => b.click());
  if (opts.refused) {
    await page.waitForSelector(sel + ' .refusal');
    return page.$eval(sel + ' .refusal', (el) => el.textContent);
  }
  await page.waitForSelector('#case-message');
  return text(page, '#case-message');
}

/* GET path as token (Bearer), the JSON. */
async function api(token, p) {
  const r = await fetch(BASE + p, {headers: {Authorization: 'Bearer ' + token}});
  if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
  return r.json();
}

/* Epoch milliseconds as ISO 8601 in China time (+08:00), as the daemon writes it. */
function china(ms) {
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';
}

async function testClock(now) {
  const r = await fetch(BASE + '/v1/test/clock', {method: 'POST', body: JSON.stringify({now})});
  if (!r.ok) throw new Error('test clock: ' + r.status);
  return r.json();
}

/* No two boxes or labels of a diagram overlap, no text under 12 px: the diagram
 * of the case page, then every stored workflow's drawn the same way in the page. */
async function checkDiagrams(page) {
  return page.evaluate(async () => {
    const measure = (svg) => {
      const rects = [];
      for (const g of svg.querySelectorAll('g.box')) rects.push({id: g.getAttribute('data-state'), r: g.querySelector('rect').getBoundingClientRect()});
      for (const t of svg.querySelectorAll('text.elabel')) rects.push({id: t.textContent, r: t.getBoundingClientRect()});
      const overlaps = [];
      for (let i = 0; i < rects.length; i++)
        for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i].r, b = rects[j].r;
          if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom)
            overlaps.push(rects[i].id + ' / ' + rects[j].id);
        }
      // a box's own texts stay inside its box
      for (const g of svg.querySelectorAll('g.box')) {
        const r = g.querySelector('rect').getBoundingClientRect();
        for (const t of g.querySelectorAll('text')) {
          const q = t.getBoundingClientRect();
          if (q.left < r.left || q.right > r.right || q.top < r.top || q.bottom > r.bottom) overlaps.push('text outside box ' + g.getAttribute('data-state'));
        }
      }
      // every text inside the drawing's own area (the card scrolls it; nothing is cut off)
      const W = parseFloat(svg.getAttribute('width')), H = parseFloat(svg.getAttribute('height'));
      for (const t of svg.querySelectorAll('text')) {
        const b = t.getBBox();
        if (b.x < 0 || b.y < 0 || b.x + b.width > W + 0.5 || b.y + b.height > H + 0.5) overlaps.push('text outside the drawing: ' + t.textContent);
      }
      const small = [...svg.querySelectorAll('text')].filter((t) => parseFloat(getComputedStyle(t).fontSize) < 12).length;
      const cur = svg.querySelector('g.box.current');
      return {boxes: svg.querySelectorAll('g.box').length, labels: svg.querySelectorAll('text.elabel').length, overlaps, small,
              current: cur && cur.getAttribute('data-state'), taken: svg.querySelectorAll('path.edge.taken').length};
    };
    const page = measure(document.querySelector('#diagram svg'));
    const {loadWorkflows} = await import('/web/workflows.js');
    const {drawWorkflow} = await import('/web/diagram.js');
    const all = [];
    const host = document.createElement('div');
    host.className = 'diagram';
    document.body.appendChild(host);
    for (const wf of (await loadWorkflows()).values()) {
      if (!wf.states) continue;
      const svg = drawWorkflow(wf, wf.initial, []);
      host.replaceChildren(svg);
      all.push(Object.assign({id: wf.id, states: wf.states.length, transitions: wf.transitions.length}, measure(svg)));
    }
    // the measure itself finds an overlap when there is one (two boxes on one spot)
    const ns = 'http://www.w3.org/2000/svg';
    const fake = document.createElementNS(ns, 'svg');
    fake.setAttribute('width', '200');
    fake.setAttribute('height', '60');
    for (const x of [10, 40]) {
      const g = document.createElementNS(ns, 'g');
      g.setAttribute('class', 'box');
      const r = document.createElementNS(ns, 'rect');
      for (const [k, v] of [['x', x], ['y', 10], ['width', 60], ['height', 30]]) r.setAttribute(k, String(v));
      g.appendChild(r);
      fake.appendChild(g);
    }
    host.replaceChildren(fake);
    const control = measure(fake).overlaps.length;
    host.remove();
    return {page, all, control};
  });
}

const browser = await puppeteer.launch({
  executablePath: CHROMIUM, headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--lang=zh-CN'],
});
let failed = null;
try {
  await optional('causes', '/v1/causes?subject_type=' + encodeURIComponent('定点医药机构'), /^\/v1\/causes$/);
  await optional('stats', '/v1/stats', /^\/v1\/stats$/);
  const t0 = Date.now();
  // --- the handler signs in and opens a case with a hostile party name
  const hp = await signIn(browser, HANDLER, 'handler');
  check((await text(hp, '#who-role')) === '办案人员' && (await text(hp, '#who-agency')) === '某县医疗保障局', 'the handler signed in: role and agency shown');
  check(!(await hp.$('#nav a[href="#/board"]')), "the head's board is not offered to a handler");
  await shot(hp, '02-worklist-empty');
  await hp.evaluate(() => { location.hash = '#/new'; });
  await hp.waitForSelector('#new-case');
  await hp.select('#nc-workflow', 'penalty-general');
  await hp.type('#nc-party', XSS);
  await hp.select('#nc-party-type', '定点医药机构');
  await hp.$eval('#new-case [data-fact="lead_source"]', (e) => { e.value = '投诉举报'; });
  await hp.$eval('#new-case .officer-name', (e) => { e.value = '张三'; });
  await hp.$eval('#new-case .officer-cert', (e) => { e.value = '65010020001'; });
  await shot(hp, '03-new-case');
  await hp.click('#new-case button[type=submit]');
  await hp.waitForSelector('#case-party');
  const caseId = Number((await hp.evaluate(() => location.hash)).split('/').pop());
  check(caseId > 0, 'the case was opened from the form: #' + caseId);
  const party = await hp.evaluate(() => ({text: document.querySelector('#case-party').textContent,
    scripts: document.querySelectorAll('#main script, #main img').length, xss: window.__xss}));
  check(party.text.includes(XSS) && party.scripts === 0 && party.xss === undefined, 'a party named <script>… is shown as text, not run');
  check(!(await hp.$('form.action[data-action="file"]')), 'filing (the head\'s) is not offered to the handler');
  await shot(hp, '04-case-lead');
  // --- the head files: refused with one officer, the article shown; then two
  const dp = await signIn(browser, HEAD, 'head');
  check((await text(dp, '#who-role')) === '负责人', 'the head signed in');
  await dp.waitForSelector(`#worklist tr[data-case="${caseId}"]`);
  const row = await dp.$eval(`#worklist tr[data-case="${caseId}"] .party`, (e) => e.textContent);
  check(row.includes('<script>') && (await dp.evaluate(() => window.__xss)) === undefined, 'the worklist shows the party escaped too');
  // the search by party: the case found, and not by another name
  await dp.$eval('#filters input[name=q]', (e) => { e.value = '大药房'; });
  await dp.click('#filters button[type=submit]');
  await dp.waitForFunction((id) => document.querySelector(`#worklist tr[data-case="${id}"]`), {}, caseId);
  await dp.$eval('#filters input[name=q]', (e) => { e.value = '另一家诊所'; });
  await dp.click('#filters button[type=submit]');
  await dp.waitForFunction(() => document.querySelector('#worklist tbody').textContent.includes('没有符合条件的案件'));
  check(true, 'the worklist searches by party');
  await dp.click('#filters button[type=reset]');
  await dp.waitForSelector(`#worklist tr[data-case="${caseId}"]`);
  // the power type filter is the server's (GET /v1/cases?power_type=), not the page's
  for (const [pt, found] of [['行政检查', false], ['行政处罚', true]]) {
    await dp.select('#filters select[name=power_type]', pt);
    const asked = dp.waitForResponse((r) => r.url().includes('/v1/cases?') && new URL(r.url()).searchParams.get('power_type') === pt);
    await dp.click('#filters button[type=submit]');
    await asked;
    await dp.waitForFunction((id, f) => !!document.querySelector(`#worklist tr[data-case="${id}"]`) === f &&
      (f || document.querySelector('#worklist tbody').textContent.includes('没有符合条件的案件')), {}, caseId, found);
  }
  check(true, 'the worklist filters by power type on the server (行政检查: none; 行政处罚: the case)');
  await dp.click('#filters button[type=reset]');
  await dp.waitForSelector(`#worklist tr[data-case="${caseId}"]`);
  await openCase(dp, caseId);
  expect('POST', /\/actions$/, 422);
  const refusal = await act(dp, '立案', {filing_reason: '涉嫌串换药品骗取医保基金', cause: 'js-2024:14', officers: [['张三', '65010020001']]}, {refused: true});
  check(/两名以上/.test(refusal) && /第四十二条/.test(refusal), 'filing with one officer is refused, the rule and its article shown: ' + refusal.slice(0, 60));
  await shot(dp, '05-filing-refused');
  await act(dp, '立案', {filing_reason: '涉嫌串换药品骗取医保基金', cause: 'js-2024:14', officers: [['张三', '65010020001'], ['王五', '65010020002']]});
  check((await text(dp, '#case-state')).startsWith('调查取证'), 'filed with a second officer: 调查取证');
  check(/\S/.test(await text(dp, '#case-number')) && !(await text(dp, '#case-number')).includes('未立案'), 'the 案号 is shown: ' + await text(dp, '#case-number'));
  // --- the head extends the decision clock
  await dp.waitForSelector('#extend');
  await dp.select('#extend select[name=clock]', 'decision');
  await dp.$eval('#extend input[name=reason]', (e) => { e.value = '案情复杂'; });
  await dp.click('#extend button[type=submit]');
  await dp.waitForFunction(() => (document.querySelector('#case-message') || {}).textContent === '已延长期限');
  check((await text(dp, '#clocks tr[data-clock="decision"]')).includes('已延长1次'), "the head's extension of the decision clock is shown");
  await shot(dp, '06-extended');
  // --- the handler sees the clocks and acts to the notice
  await openCase(hp, caseId);
  const clocks = await text(hp, '#clocks');
  check(clocks.includes('作出处理决定期限') && /剩余\d+天/.test(clocks), 'the clocks with deadline and time left: ' + clocks.slice(0, 60));
  // the --explain count of the decision deadline, day by day, the API's lines (the
  // command line's: test cli_explain_api) shown in Chinese with the original as title
  const explained = await hp.evaluate(async (id) => {
    const d = document.querySelector('#clocks details[data-trace="decision"]');
    if (d) d.open = true;
    const items = [...document.querySelectorAll('#clocks ol.count[data-explain="decision"] li')];
    const c = await (await fetch('/v1/cases/' + id)).json();
    const k = c.clocks.find((x) => x.id === 'decision');
    return {titles: items.map((li) => li.title), texts: items.map((li) => li.textContent), api: k.explain || []};
  }, caseId);
  check(explained.api.length >= 3 && JSON.stringify(explained.titles) === JSON.stringify(explained.api) &&
    explained.texts.some((t) => t.startsWith('届满：')) && explained.texts.some((t) => t.startsWith('起算')),
  `the decision deadline's count is shown line by line (${explained.api.length} lines, as the API and case show --explain): ` + explained.texts.slice(-1)[0]);
  await shot(hp, '06b-clocks-explain');
  // the evidence register, where the server has one (then submit_review needs it)
  const hasEvidence = (await fetch(`${BASE}/v1/cases/${caseId}/evidence`, {headers: {Authorization: 'Bearer ' + HANDLER}})).status === 200;
  if (hasEvidence) {
    await hp.select('#evidence-form select[name=kind]', '书证');
    await hp.type('#evidence-form input[name=title]', '处方单据12份');
    await hp.type('#evidence-form input[name=source]', '某某大药房');
    await hp.type('#evidence-form input[name=method]', '调取');
    await (await hp.$('#evidence-form input[type=file]')).uploadFile(doc);
    await hp.evaluate(() => { const m = document.querySelector('#case-message'); if (m) m.remove(); });
    await hp.click('#evidence-form button[type=submit]');
    await hp.waitForSelector('#case-message');
    check((await text(hp, '#evidence')).includes('处方单据12份'), 'evidence registered and listed');
    // 下载: the links fetch the stored bytes with the session cookie, as attachments
    const want = fs.readFileSync(doc).length;
    const got = await hp.evaluate(async () => Promise.all([...document.querySelectorAll('#documents a.download, #evidence a.download')].map(async (a) => {
      const r = await fetch(a.href);
      return {status: r.status, type: r.headers.get('Content-Type'), cd: r.headers.get('Content-Disposition'), size: (await r.arrayBuffer()).byteLength};
    })));
    check(got.length >= 2 && got.every((g) => g.status === 200 && g.type === 'application/octet-stream' && g.size === want &&
      g.cd.startsWith('attachment;') && g.cd.includes("filename*=UTF-8''%E6%96%87%E4%B9%A6.pdf")), 'documents and evidence download their stored bytes');
  } else console.log('# this server has no evidence register: that step is left out');
  await act(hp, '调查终结，提交审查', {findings: '串换药品，涉及医保基金 12000 元'});
  check((await text(hp, '#case-state')).startsWith('审查'), 'submitted for review');
  await act(hp, '制作行政处罚告知书', {notified_penalty: '罚款 24000 元'});
  await act(hp, '行政处罚告知书送达当事人', {});
  check((await text(hp, '#case-state')).startsWith('告知'), 'notified and served');
  await shot(hp, '07-case-notified');
  // --- an alert arrives live: the defence period ends on the test clock
  await hp.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  const fired = await testClock('2026-03-06T09:00:00+08:00');
  check(fired.fired >= 1, 'the test clock fired ' + fired.fired + ' alert(s)');
  await hp.waitForSelector('.toast');
  check((await text(hp, '.toast')).includes('#' + caseId), 'the alert arrived live as a notification: ' + await text(hp, '.toast'));
  await hp.click('#alerts-toggle');
  await hp.waitForSelector('#alerts .alert');
  await shot(hp, '08-alert');
  const acked = await hp.$eval('#alerts .alert', (el) => el.getAttribute('data-alert'));
  // --- nobody acknowledges it within alert_ack_timeout (1 h here): it goes up to the head
  await dp.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  const waiting = await api(HEAD, '/v1/alerts?state=unacknowledged');
  check(waiting.some((r) => r.alert_id === acked), 'GET /v1/alerts?state=unacknowledged lists it: ' + acked);
  const firedAt = waiting.find((r) => r.alert_id === acked).fired_at;
  await testClock(china(Date.parse(firedAt) + 3601e3));
  await dp.waitForFunction(() => [...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('上报负责人')));
  check((await text(dp, '#toasts')).includes('#' + caseId), 'the head is told live: the unacknowledged alert went up to the head');
  await shot(dp, '08b-escalated');
  const upRow = (await api(HEAD, '/v1/alerts?state=fired')).find((r) => r.alert_id === acked);
  check(upRow && upRow.escalated_at && upRow.acknowledged_by === null, 'GET /v1/alerts shows the escalation, not yet acknowledged');
  // --- the handler acknowledges it: who and when, in the panel and in the list
  await (await hp.$(`#alerts .alert[data-alert="${acked}"] button.ack`)).click();
  await hp.waitForFunction((id) => document.querySelector(`#alerts .alert[data-alert="${id}"]`).textContent.includes('已确认'), {}, acked);
  check((await text(hp, '#alerts')).includes('已确认：张三'), 'the alert acknowledged by 张三, shown in the panel');
  const ackRow = (await api(HEAD, '/v1/alerts?state=fired')).find((r) => r.alert_id === acked);
  check(ackRow && ackRow.acknowledged_by === '张三' && ackRow.acknowledged_at && ackRow.escalated_at,
    'GET /v1/alerts says who acknowledged it, when, and that it had gone up');
  await hp.click('#alerts-toggle');
  // --- a stale version: the head's page is behind the handler's change (409)
  await openCase(dp, caseId);
  await openCase(hp, caseId);
  await act(hp, '记录陈述、申辩并复核', {defence_summary: '当事人称系工作失误'});
  expect('POST', /\/actions$/, 409);
  await dp.waitForSelector('form.action[data-label="作出行政处罚决定"]');
  const stale = await act(dp, '作出行政处罚决定', {penalty: '罚款 24000 元'});
  check(stale.includes('已被他人更新'), 'a stale version reloads and says why: ' + stale);
  await act(dp, '作出行政处罚决定', {penalty: '罚款 24000 元'});
  check((await text(dp, '#case-state')).startsWith('送达'), 'decided: 送达');
  // the diagram: every state, the current one marked, the path taken, nothing overlapping
  const diagrams = await checkDiagrams(dp);
  const dg = diagrams.page;
  check(dg.boxes >= 18 && dg.labels >= 20, `the diagram has ${dg.boxes} states and ${dg.labels} labels`);
  check(dg.overlaps.length === 0, 'no two boxes or labels overlap' + (dg.overlaps.length ? ': ' + dg.overlaps.slice(0, 5).join('; ') : ''));
  check(dg.small === 0, 'no text under 12 px in the diagram');
  check(dg.current === 'serving' && dg.taken >= 4, `the current state and the path taken are marked (${dg.taken} edges)`);
  check(diagrams.control > 0, 'the overlap measure finds two boxes put on one spot');
  for (const w of diagrams.all)
    check(w.overlaps.length === 0 && w.small === 0 && w.boxes === w.states,
      `${w.id}: ${w.states} states, ${w.transitions} transitions, ${w.labels} labels, none overlapping, no text under 12 px` +
      (w.overlaps.length ? ': ' + w.overlaps.slice(0, 5).join('; ') : ''));
  await shot(dp, '09-case-decided');
  await (await dp.$('#diagram svg')).screenshot({path: path.join(SHOTS, '09-diagram.png')});
  // --- to the archive
  await openCase(hp, caseId);
  await act(hp, '送达行政处罚决定书', {service_method: '直接送达'});
  await act(hp, '执行完毕（罚款以外的处罚）', {execution_note: '已执行完毕'});
  await openCase(dp, caseId);
  await act(dp, '结案', {closing_reason: '执行完毕'});
  await openCase(hp, caseId);
  // (the case exists: a 404 here is the route missing, not the case)
  await optional('replay', `/v1/cases/${caseId}/replay`, /^\/v1\/cases\/\d+\/replay$/);
  await act(hp, '立卷归档', {});
  check((await text(hp, '#case-state')).includes('已归档'), 'archived');
  await shot(hp, '10-case-archived');
  // --- the head's board
  await dp.evaluate(() => { location.hash = '#/board'; });
  await dp.waitForSelector('#board-overdue, #stats');
  check((await text(dp, 'h1')) === '负责人看板', "the head's board is shown");
  if (missing.has('stats')) check((await text(dp, '#stats')).includes('未提供'), 'the board says the server gives no figures');
  else check((await dp.$$('#stats table')).length > 0, "the bureau's figures as tables");
  await shot(dp, '11-board');
  // --- the auditor: the closed case's replay report
  const ap = await signIn(browser, AUDITOR, 'auditor');
  await openCase(ap, caseId);
  check(!(await ap.$('form.action')), 'an auditor is offered no action');
  await ap.waitForSelector('#replay');
  const replay = await text(ap, '#replay');
  console.log('# replay section:', replay.slice(0, 80));
  if (missing.has('replay')) check(replay.includes('未提供'), 'the page says the server gives no replay report');
  else check(replay.includes('校验通过'), 'the chain is verified on the closed case\'s page');
  await shot(ap, '12-auditor-replay');
  // --- sign out
  await hp.click('#signout');
  await hp.waitForSelector('#signin');
  check(true, 'signed out');
  for (const e of expected) if (!e.seen) problems.push(`expected ${e.status} for ${e.method} ${e.re} was not seen`);
  console.log(`# ${passed} checks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  failed = e;
} finally {
  await browser.close();
  fs.rmSync(tmp, {recursive: true, force: true});
}
for (const p of problems) console.error('FAIL:', p);
if (failed) console.error(failed.stack || failed.message);
process.exit(failed || problems.length ? 1 : 0);
