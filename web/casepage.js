// casepage.js -- one case: 案号 and name, state, the procedure drawn with the
// current state and the path taken, facts, documents (download, hash),
// evidence, clocks (deadline, time left, the explain trace), the timeline,
// and the allowed actions as forms built from the workflow. A refusal shows
// the rule's message and its article; a stale version (409) reloads the case
// and says why. A closed case shows its replay report (the auditor's view).
import {h, fill} from './dom.js';
import {call, get, getOptional, post} from './api.js';
import {state, leftText, urgency, fmtTime, partyText, plain, ROLE_NAMES, setServerNow} from './util.js';
import {workflowOf, factType, factName} from './workflows.js';
import {drawWorkflow} from './diagram.js';
import {explainZh, periodZh} from './explain.js';
import {factInput, causeInput, readFacts, readDocuments} from './forms.js';
import {startTicking} from './worklist.js';

let current = null; // {id, version} of the case on screen, for the stream

export function caseOnScreen() {
  return current;
}

function section(title, id, ...children) {
  return h('section', {id, class: 'card'}, h('h2', null, title), ...children);
}

function factsView(c, wf) {
  const entries = Object.entries(c.facts || {});
  if (!entries.length) return h('p', {class: 'muted'}, '暂无');
  return h('dl', {class: 'kv', id: 'facts'}, entries.map(([k, v]) => [
    h('dt', null, factName(wf, k)),
    h('dd', null, k === 'officers' && Array.isArray(v) ? v.map((o) => o.name + '（执法证号 ' + o.cert + '）').join('；')
      : typeof v === 'boolean' ? (v ? '是' : '否') : typeof v === 'object' ? JSON.stringify(v) : String(v)),
  ]));
}

/* 下载: a link to the stored bytes (GET /v1/cases/{id}/files/{sha256}); the session
   cookie authenticates it, the server answers it as an attachment under its name. */
function fileLink(c, sha256, file) {
  if (!/^[0-9a-f]{64}$/.test(sha256 || '')) return null;
  return h('a', {class: 'download', href: `/v1/cases/${c.id}/files/${sha256}`, download: plain(file || sha256)}, '下载');
}

function documentsView(c) {
  const docs = Object.entries(c.documents || {});
  if (!docs.length) return h('p', {class: 'muted'}, '暂无');
  return h('table', {id: 'documents'},
    h('thead', null, h('tr', null, ['文书', '文件', '大小', 'SHA-256', ''].map((t) => h('th', null, t)))),
    h('tbody', null, docs.map(([name, d]) => h('tr', null,
      h('td', null, name), h('td', null, plain(d.file || '')), h('td', null, d.size != null ? d.size + ' 字节' : ''),
      h('td', {class: 'hash'}, d.sha256 || ''), h('td', null, fileLink(c, d.sha256, d.file))))));
}

const EVIDENCE_KINDS = ['书证', '物证', '视听资料', '电子数据', '证人证言', '当事人的陈述', '鉴定意见', '勘验笔录', '现场笔录'];

function evidenceView(c) {
  const items = [...(c.evidence || []), ...(c.records || []).map((r) => Object.assign({record: true}, r))];
  if (!items.length) return h('p', {class: 'muted'}, '暂无证据登记');
  return h('table', {id: 'evidence'},
    h('thead', null, h('tr', null, ['序号', '种类', '名称', '来源／地点', '取得方式', '执法人员', '时间', '文件', ''].map((t) => h('th', null, t)))),
    h('tbody', null, items.map((e) => h('tr', null,
      h('td', null, e.no != null ? String(e.no) : ''),
      h('td', null, e.record ? (e.kind || '') + (e.evidence_kind ? '（' + e.evidence_kind + '）' : '') : e.kind || ''),
      h('td', null, e.title || (e.person && e.person.name) || e.site || ''),
      h('td', null, e.source || e.place || ''),
      h('td', null, e.method || ''),
      h('td', null, (e.officers || []).map((o) => o.name).join('、')),
      h('td', null, fmtTime(e.obtained_at || e.started_at)),
      h('td', {class: 'hash'}, e.file ? plain(e.file.file || e.file.name || '') + ' ' + (e.sha256 || e.file.sha256 || '') : ''),
      h('td', null, e.file ? fileLink(c, e.sha256 || e.file.sha256, e.file.file || e.file.name) : null)))));
}

/* 登记证据: an item of the evidence register, obtained by two of the case's officers. */
function evidenceForm(c, reload) {
  const officers = Array.isArray(c.facts.officers) ? c.facts.officers : [];
  const out = h('div');
  const form = h('form', {id: 'evidence-form'},
    h('div', {class: 'row'},
      h('label', null, '种类', h('select', {name: 'kind'}, EVIDENCE_KINDS.map((k) => h('option', {value: k}, k)))),
      h('label', null, '名称', h('input', {name: 'title', required: true, placeholder: '如：处方单据12份'})),
      h('label', null, '来源', h('input', {name: 'source', required: true, placeholder: '从何处、何人取得'})),
      h('label', null, '取得方式', h('input', {name: 'method', required: true, placeholder: '调取、现场检查、当事人提供……'})),
      h('label', null, '文件（可选）', h('input', {type: 'file', name: 'file'}))),
    h('div', {class: 'row'}, '取证执法人员：', officers.map((o, i) => h('label', {class: 'inline'},
      h('input', {type: 'checkbox', name: 'officer', value: String(i), checked: true}), o.name + '（' + o.cert + '）'))),
    h('p', null, h('button', {type: 'submit', class: 'primary'}, '登记证据')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const body = {kind: fd.get('kind'), title: fd.get('title').trim(), source: fd.get('source').trim(), method: fd.get('method').trim(),
                  officers: fd.getAll('officer').map((i) => officers[Number(i)])};
    const f = form.querySelector('input[type=file]').files[0];
    if (f) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      body.file = {name: f.name, content_base64: btoa(bin)};
    }
    try {
      await post(`/v1/cases/${c.id}/evidence`, body, {'If-Match': '"' + c.version + '"'});
      await reload('已登记证据：' + body.kind + ' ' + body.title);
    } catch (e) {
      if (e.status === 409) return reload('案件已被他人更新，已重新载入。', true);
      fill(out, refusal(e));
    }
  });
  return form;
}

const CLOCK_EVENTS = {'clock.started': '开始计时', 'clock.stopped': '停止计时', 'clock.paused': '暂停', 'clock.resumed': '恢复',
                      'clock.extended': '延长', 'clock.excluded': '扣除期间', 'clock.recomputed': '按新日历重算',
                      'clock.rebased': '重新起算', alert: '预警'};

/* How a deadline was reached: the clock's events from the chain (start, its
 * period, extensions, exclusions, pauses), then the day-by-day count the server
 * gives (`explain`: holidays skipped, 调休 days counted), when it does. */
function traceView(clock, events) {
  const mine = events.filter((e) => e.clock === clock.id && e.type !== 'alert');
  const counted = clock.explain;
  const lines = Array.isArray(counted) ? counted.map(String) : [];
  if (!mine.length && !lines.length) return null;
  return h('details', {class: 'trace', 'data-trace': clock.id}, h('summary', null, '期限计算过程'),
    h('ol', null, mine.map((e) => h('li', null, [fmtTime(e.at), CLOCK_EVENTS[e.type] || e.type,
      periodZh(e.period || e.by || e.excluded || e.paused_for || '') || (e.outcome === 'met' ? '按期' : e.outcome) || '',
      e.reason || '', e.from && e.to ? fmtTime(e.from) + '至' + fmtTime(e.to) : '',
      e.from && !e.to ? '自 ' + fmtTime(e.from) + ' 起算' + (e.from_fact ? '（' + e.from_fact.fact + ' ' + e.from_fact.date + ' 届满）' : '') : '',
      e.was ? '原届满 ' + fmtTime(e.was) : '',
      e.deadline ? '→ 届满 ' + fmtTime(e.deadline) : '', e.provisional ? '（暂定日历）' : '',
      '（' + (e.actor || '') + '）'].filter(Boolean).join(' ')))),
    lines.length ? h('p', {class: 'muted'}, '逐日计算（与 caseflow case show --explain 相同）：') : null,
    lines.length ? h('ol', {class: 'count', 'data-explain': clock.id}, lines.map((l) => h('li', {title: l}, explainZh(l)))) : null);
}

const CLOCK_STATUS = {running: '计时中', overdue: '已超期', paused: '暂停', met: '按期完成', breached: '超期完成', lapsed: '已失效', ended: '已结束', idle: '未开始'};

function clocksView(c, events) {
  if (!(c.clocks || []).length) return h('p', {class: 'muted'}, '暂无');
  return h('table', {id: 'clocks'},
    h('thead', null, h('tr', null, ['期限', '状态', '届满时间', '剩余', '依据'].map((t) => h('th', null, t)))),
    h('tbody', null, c.clocks.map((k) => {
      const live = k.status === 'running' || k.status === 'overdue';
      return h('tr', {class: live ? urgency(k.deadline) : '', 'data-clock': k.id},
        h('td', null, k.name, k.extensions ? '（已延长' + k.extensions + '次）' : ''),
        h('td', null, CLOCK_STATUS[k.status] || k.status),
        h('td', null, fmtTime(k.deadline)),
        h('td', live && k.deadline ? {'data-deadline': k.deadline} : null, live ? leftText(k.deadline) : '—'),
        h('td', null, k.basis || '', traceView(k, events)));
    })));
}

function timelineView(events, wf) {
  const names = new Map((wf.states || []).map((s) => [s.id, s.name]));
  const labels = new Map((wf.transitions || []).map((t) => [t.action, t.label]));
  const clockNames = new Map((wf.clocks || []).map((k) => [k.id, k.name]));
  const TYPES = {'case.opened': '立案前登记（线索）', 'clock.started': '开始计时', 'clock.stopped': '停止计时', 'clock.extended': '延长期限',
                 'clock.paused': '暂停计时', 'clock.resumed': '恢复计时', 'clock.excluded': '扣除期间', 'clock.rebased': '重新起算', alert: '预警',
                 'alert.acknowledged': '确认预警', 'alert.escalated': '预警上报', 'case.closed': '结案'};
  return h('ol', {id: 'timeline'}, events.map((e) => {
    let what = TYPES[e.type] || e.type;
    if (e.type === 'transition') what = (labels.get(e.action) || e.action) + '：' + (names.get(e.from) || e.from) + ' → ' + (names.get(e.to) || e.to);
    else if (e.clock) what += '（' + (clockNames.get(e.clock) || e.clock) + (e.point ? '，' + (e.point === 'deadline' ? '届满' : '临期') : '') + '）';
    return h('li', null, h('span', {class: 'muted'}, fmtTime(e.at) + ' '), what, e.actor ? '　' + e.actor : '');
  }));
}

function takenPath(events) {
  return events.filter((e) => e.type === 'transition' && e.from && e.to).map((e) => ({from: e.from, to: e.to}));
}

async function actionForm(c, wf, a, reload) {
  const out = h('div', {class: 'result'});
  const inputs = [];
  for (const f of a.requires.facts || []) {
    const type = factType(wf, f);
    const input = f === 'cause' ? await causeInput(f, c.party && c.party.type, c.facts[f])
      : factInput(f, type, c.facts[f] !== undefined ? c.facts[f] : undefined);
    inputs.push(h('label', {class: 'fact'}, factName(wf, f) + ((a.missing.facts || []).includes(f) ? ' *' : ''), input));
  }
  for (const d of [...(a.requires.documents || []), ...(a.documents || [])])
    inputs.push(h('label', {class: 'doc'}, d + ((a.missing.documents || []).includes(d) ? ' *' : '（可选）'),
      h('input', {type: 'file', 'data-doc': d})));
  const form = h('form', {class: 'action', 'data-action': a.action, 'data-label': a.label},
    h('div', {class: 'row'}, inputs),
    h('p', null, h('button', {type: 'submit', class: 'primary'}, '办理：' + a.label)), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(out);
    const body = {action: a.action, facts: readFacts(form)};
    const docs = await readDocuments(form);
    if (Object.keys(docs).length) body.documents = docs;
    try {
      await post(`/v1/cases/${c.id}/actions`, body, {'If-Match': '"' + c.version + '"'});
      await reload('已办理：' + a.label);
    } catch (e) {
      if (e.status === 409) return reload('案件已被他人更新（当前版本 ' + (e.body.version || '') + '），已重新载入，请核对后再办理。', true);
      fill(out, refusal(e));
    }
  });
  return form;
}

export function refusal(e) {
  const b = e.body || {};
  return h('div', {class: 'error refusal'},
    h('div', {class: 'refusal-text'}, b.text || e.message),
    b.article ? h('div', {class: 'refusal-article'}, '依据：' + b.article) : null,
    b.rule ? h('div', {class: 'muted'}, '规则：' + b.rule) : null);
}

function extensionForm(c, wf, reload) {
  const clocks = (wf.clocks || []).filter((k) => k.extension && k.extension.approver === state.session.role);
  const running = (c.clocks || []).filter((k) => (k.status === 'running' || k.status === 'overdue') && clocks.some((x) => x.id === k.id));
  if (!running.length) return null;
  const out = h('div');
  const form = h('form', {id: 'extend', class: 'row'},
    h('label', null, '期限', h('select', {name: 'clock'}, running.map((k) => h('option', {value: k.id}, k.name)))),
    h('label', null, '延长', h('input', {name: 'by', value: '30 days', placeholder: '30 days'})),
    h('label', null, '理由', h('input', {name: 'reason', placeholder: '如：案情复杂'})),
    h('button', {type: 'submit', class: 'primary'}, '批准延长'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = Object.fromEntries(new FormData(form).entries());
    try {
      await post(`/v1/cases/${c.id}/extensions`, fd, {'If-Match': '"' + c.version + '"'});
      await reload('已延长期限');
    } catch (e) {
      if (e.status === 409) return reload('案件已被他人更新，已重新载入。', true);
      fill(out, refusal(e));
    }
  });
  return section('延长办案期限', 'extensions', form, out);
}

async function replayView(c) {
  const r = await getOptional(`/v1/cases/${c.id}/replay`);
  if (!r) return section('审计回放', 'replay', h('p', {class: 'muted'}, '服务端未提供回放报告'));
  const devs = r.deviations || [];
  const verified = r.verified === true || (r.chain && r.chain.verified === true);
  return section('审计回放', 'replay',
    h('p', {id: 'chain-status', class: verified ? 'notice' : 'error'}, verified ? '事件链校验通过（哈希连续、未被篡改）' : '事件链校验未通过'),
    devs.length ? h('table', {id: 'deviations'},
      h('thead', null, h('tr', null, ['偏差', '依据', '追责情形'].map((t) => h('th', null, t)))),
      h('tbody', null, devs.map((d) => h('tr', null, h('td', null, d.text || d.kind || d.type || JSON.stringify(d)),
        h('td', null, d.basis || d.article || ''), h('td', null, d.accountability || '')))))
      : h('p', null, '未发现程序偏差'));
}

export async function showCase(main, id, message, isWarning) {
  const res = await call('GET', `/v1/cases/${id}`);
  const c = res.data;
  current = {id: c.id, version: c.version};
  // the daemon's clock, from a running clock's time left (it may not be the browser's)
  const k = (c.clocks || []).find((x) => x.deadline && typeof x.seconds_left === 'number');
  if (k) setServerNow(new Date(Date.parse(k.deadline) - k.seconds_left * 1000).toISOString());
  const [wf, events] = await Promise.all([workflowOf(c.workflow.id || c.workflow), get(`/v1/cases/${id}/events`)]);
  const reload = (msg, warn) => showCase(main, id, msg, warn);
  const role = state.session.role;
  const mine = (c.allowed || []).filter((a) => (a.roles || []).includes(role));
  const forms = [];
  // each action folded under its name; the first open when it is the only one
  for (const a of mine)
    forms.push(h('details', {class: 'action-box', open: mine.length === 1},
      h('summary', null, a.label, h('span', {class: 'muted'}, '　→ ' + ((wf.states || []).find((x) => x.id === a.to) || {name: a.to}).name)),
      await actionForm(c, wf, a, reload)));
  const others = (c.allowed || []).filter((a) => !(a.roles || []).includes(role));
  const diagram = wf && wf.states ? drawWorkflow(wf, c.state, takenPath(events)) : h('p', {class: 'muted'}, '（流程定义不可用）');
  fill(main,
    h('div', {class: 'notice hidden', id: 'stale'}, '本案件已有新的办理记录。',
      h('button', {type: 'button', onclick: () => reload('已重新载入最新版本。')}, '重新载入')),
    message ? h('div', {class: isWarning ? 'error' : 'notice', id: 'case-message'}, message) : null,
    h('h1', null, h('span', {id: 'case-number'}, c.number || '（未立案）'), '　', h('span', {id: 'case-name'}, c.name || c.title || '')),
    h('div', {class: 'card'}, h('dl', {class: 'kv'},
      h('dt', null, '当事人'), h('dd', {id: 'case-party'}, partyText(c.party)),
      h('dt', null, '程序'), h('dd', null, c.title || wf.title || ''),
      h('dt', null, '当前环节'), h('dd', {id: 'case-state'}, c.state_name || c.state, c.closed ? '（已结案）' : ''),
      h('dt', null, '版本'), h('dd', null, String(c.version)),
      h('dt', null, '立案前登记'), h('dd', null, fmtTime(c.opened_at)))),
    section('期限', 'clocks-section', clocksView(c, events)),
    c.closed ? null : section('可办理事项', 'actions',
      mine.length ? forms : h('p', {class: 'muted'}, '当前环节没有您的角色可办理的事项'),
      others.length ? h('p', {class: 'muted'}, '由其他角色办理：' + others.map((a) => a.label + '（' + a.roles.map((r) => ROLE_NAMES[r] || r).join('、') + '）').join('；')) : null),
    c.closed ? null : extensionForm(c, wf, reload),
    section('流程图', 'procedure', h('div', {class: 'diagram', id: 'diagram'}, diagram)),
    section('案件事实', 'facts-section', factsView(c, wf)),
    section('文书', 'documents-section', documentsView(c)),
    section('证据', 'evidence-section', evidenceView(c),
      !c.closed && c.number && (role === 'handler' || role === 'head') ? evidenceForm(c, reload) : null),
    section('办理记录', 'timeline-section', timelineView(events, wf)),
    c.closed ? await replayView(c) : null);
  startTicking();
}
