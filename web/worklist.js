// worklist.js -- 工作台: the agency's open cases, nearest deadline first, with a
// countdown that ticks every second (red overdue, amber within 3 days), the
// filters the server answers (state, power type, 案由, handler, due within,
// overdue, search by 案号/party: all on the server, over every case of the
// agency, so paging stays right) and paging by cursor.
import {h, fill} from './dom.js';
import {call, getOptional} from './api.js';
import {state, leftText, urgency, partyText} from './util.js';
import {loadWorkflows} from './workflows.js';

const PAGE = 50;
let timer = null;
let cursors = [''];
let filters = {};

function tick() {
  for (const el of document.querySelectorAll('[data-deadline]')) {
    const iso = el.getAttribute('data-deadline');
    el.textContent = leftText(iso);
    const tr = el.closest('tr');
    const u = urgency(iso);
    if (tr) {
      tr.classList.toggle('overdue', u === 'overdue');
      tr.classList.toggle('soon', u === 'soon');
    }
  }
}

export function startTicking() {
  if (!timer) timer = setInterval(tick, 1000);
}

function query(cursor) {
  const q = new URLSearchParams({limit: String(PAGE), sort: 'deadline'});
  // open cases unless 范围 says all (the closed ones too: a finished case, the example's)
  if (filters.scope !== 'all') q.set('open', '1');
  // q: the server finds a part of the party's name or of any 案号、决定书文号、档案号
  // over every case, not only this page; sort=deadline is the server's order, paged
  for (const [k, v] of Object.entries(filters)) if (k !== 'scope' && v && v.trim()) q.set(k, v.trim());
  if (cursor) q.set('cursor', cursor);
  return '/v1/cases?' + q.toString();
}

function stateOptions() {
  const seen = new Map();
  for (const wf of state.workflows.values())
    for (const s of wf.states || []) if (!s.terminal && !seen.has(s.id)) seen.set(s.id, s.name);
  return [...seen.entries()];
}

function powerTypes() {
  return [...new Set([...state.workflows.values()].map((w) => w.power_type).filter(Boolean))];
}

function filterForm(onApply) {
  const sel = (name, label, opts) => h('label', null, label,
    h('select', {name}, h('option', {value: ''}, '全部'), opts.map(([v, t]) => h('option', {value: v, selected: filters[name] === v}, t))));
  const txt = (name, label, ph) => h('label', null, label, h('input', {name, value: filters[name] || '', placeholder: ph || ''}));
  const form = h('form', {class: 'card row', id: 'filters'},
    txt('q', '案号／当事人', '输入案号或当事人名称'),
    sel('state', '环节', stateOptions()),
    sel('power_type', '职权类型', powerTypes().map((p) => [p, p])),
    h('label', null, '案由', h('input', {name: 'cause', value: filters.cause || '', list: 'cause-names', placeholder: '案由名称的一部分'})),
    h('datalist', {id: 'cause-names'}),
    txt('handler', '承办人'),
    sel('due_within', '期限将至', [['1d', '1天内'], ['3d', '3天内'], ['7d', '7天内'], ['30d', '30天内']]),
    sel('overdue', '超期', [['1', '仅超期']]),
    h('label', null, '范围', h('select', {name: 'scope'}, h('option', {value: ''}, '未结案件'),
      h('option', {value: 'all', selected: filters.scope === 'all'}, '全部（含已结案）'))),
    h('button', {type: 'submit', class: 'primary'}, '查询'),
    h('button', {type: 'reset'}, '清除'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    filters = Object.fromEntries(new FormData(form).entries());
    cursors = [''];
    onApply();
  });
  form.addEventListener('reset', () => {
    filters = {};
    cursors = [''];
    setTimeout(onApply, 0);
  });
  return form;
}

function stateName(row) {
  if (row.state_name) return row.state_name;
  const wf = state.workflows.get(row.workflow);
  const s = wf && (wf.states || []).find((x) => x.id === row.state);
  return s ? s.name : row.state;
}

function rowOf(c) {
  const u = urgency(c.next_deadline);
  return h('tr', {class: u, 'data-case': c.id},
    h('td', null, h('a', {href: '#/case/' + c.id}, c.number || '（未立案）#' + c.id)),
    h('td', null, c.name || c.title || (state.workflows.get(c.workflow) || {}).title || c.workflow),
    h('td', {class: 'party'}, partyText(c.party)),
    h('td', null, stateName(c)),
    h('td', null, c.next_deadline ? c.next_deadline.slice(0, 10) : '—'),
    h('td', c.next_deadline ? {'data-deadline': c.next_deadline} : null, leftText(c.next_deadline)));
}

/* The 案由 names of the dictionary, offered as the 案由 filter's suggestions. */
async function fillCauses() {
  const list = document.querySelector('#cause-names');
  const rows = list && await getOptional('/v1/causes').catch(() => null);
  if (!Array.isArray(rows)) return;
  fill(list, [...new Set(rows.map((r) => r.name).filter(Boolean))].map((n) => h('option', {value: n})));
}

export async function showWorklist(main) {
  await loadWorkflows();
  const body = h('tbody');
  const pager = h('div', {class: 'pager'});
  const note = h('div', {class: 'hidden'});
  const load = async () => {
    const page = cursors.length - 1;
    // every filter, the search (q) and the order (sort=deadline) are the server's, over
    // all the agency's cases: a page is never filtered again here
    const res = await call('GET', query(cursors[page]));
    const rows = res.data;
    const none = filters.scope === 'all' ? '没有符合条件的案件' : '没有符合条件的案件（已结案件：“范围”选“全部（含已结案）”）';
    fill(body, rows.length ? rows.map(rowOf) : h('tr', null, h('td', {colspan: 6, class: 'muted'}, none)));
    const next = res.headers.get('X-Next-Cursor');
    fill(pager,
      h('button', {type: 'button', disabled: page === 0, onclick: () => { cursors.pop(); load(); }}, '上一页'),
      h('span', null, `第 ${page + 1} 页`),
      h('button', {type: 'button', id: 'next-page', disabled: !next, onclick: () => { cursors.push(next); load(); }}, '下一页'));
  };
  fill(main,
    h('h1', null, '工作台'),
    filterForm(() => load().catch((e) => { note.className = 'error'; note.textContent = e.message; })),
    note,
    h('table', {id: 'worklist'},
      h('thead', null, h('tr', null, ['案号', '案件名称', '当事人', '环节', '期限', '剩余时间'].map((t) => h('th', null, t)))),
      body),
    pager);
  await load();
  fillCauses();
  startTicking();
}
