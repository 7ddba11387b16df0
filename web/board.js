// board.js -- 负责人看板: cases overdue and near their deadline, legal reviews
// and extensions waiting, and the bureau's figures as tables with bars
// (GET /v1/stats when the server has it; the section says so when not).
import {h, s, fill} from './dom.js';
import {call, getOptional} from './api.js';
import {state, leftText, urgency, partyText} from './util.js';
import {loadWorkflows} from './workflows.js';
import {startTicking} from './worklist.js';

async function list(query) {
  return (await call('GET', '/v1/cases?' + query)).data;
}

function stateName(c) {
  const wf = state.workflows.get(c.workflow);
  const st = wf && (wf.states || []).find((x) => x.id === c.state);
  return c.state_name || (st ? st.name : c.state);
}

function casesTable(id, rows) {
  if (!rows.length) return h('p', {class: 'muted', id}, '无');
  rows = rows.slice().sort((a, b) => Date.parse(a.next_deadline || '9999') - Date.parse(b.next_deadline || '9999'));
  return h('table', {id},
    h('thead', null, h('tr', null, ['案号', '当事人', '环节', '剩余时间'].map((t) => h('th', null, t)))),
    h('tbody', null, rows.map((c) => h('tr', {class: urgency(c.next_deadline), 'data-case': c.id},
      h('td', null, h('a', {href: '#/case/' + c.id}, c.number || '#' + c.id)),
      h('td', null, partyText(c.party)), h('td', null, stateName(c)),
      h('td', c.next_deadline ? {'data-deadline': c.next_deadline} : null, leftText(c.next_deadline))))));
}

/* The name the workflows give a state or clock id (the statistics are keyed by
 * id, over every workflow): the first workflow's that has it, else the id. */
function nameOf(kind, id) {
  for (const wf of state.workflows.values()) {
    const x = (wf[kind] || []).find((y) => y.id === id);
    if (x && x.name) return x.name;
  }
  return id;
}

/* A table of label -> number with a bar for each (SVG, no style attributes);
 * kind ('states'): the labels are ids of that kind, shown by name. */
function figureTable(title, obj, kind) {
  const entries = Object.entries(obj).filter(([, v]) => typeof v === 'number').map(([k, v]) => [kind ? nameOf(kind, k) : k, v]);
  if (!entries.length) return null;
  const max = Math.max(1, ...entries.map(([, v]) => v));
  return h('div', {class: 'card'}, h('h3', null, title), h('table', {class: 'figures'},
    h('tbody', null, entries.map(([k, v]) => h('tr', null, h('td', null, k), h('td', null, String(v)),
      h('td', null, s('svg', {width: 200, height: 14}, s('rect', {x: 0, y: 1, height: 12, width: Math.round(196 * v / max), fill: '#1f5fa8'}))))))));
}

const STAT_NAMES = {opened: '新登记', filed: '立案', decided: '作出处罚决定', closed: '结案', overdue: '当前超期', due: '即将到期',
                    by_power_type: '按职权类型（本期登记）', by_state: '按当前环节', by_cause: '按案由', by_handler: '按承办人',
                    fines: '罚款（元）', funds: '医保基金（元）', clocks: '期限遵守情况',
                    decided_: '决定', paid: '已缴', outstanding: '未缴', ordered: '责令退回', recovered: '已退回'};

function kvTable(title, obj) {
  return h('div', {class: 'card'}, h('h3', null, title), h('table', {class: 'figures'},
    h('tbody', null, Object.entries(obj).map(([k, v]) => h('tr', null, h('td', null, STAT_NAMES[k] || STAT_NAMES[k + '_'] || k),
      h('td', null, v == null ? '—' : String(v)))))));
}

function clocksTable(obj) {
  return h('div', {class: 'card'}, h('h3', null, STAT_NAMES.clocks), h('table', {class: 'figures'},
    h('thead', null, h('tr', null, ['期限', '按期', '超期', '按期率'].map((t) => h('th', null, t)))),
    h('tbody', null, Object.entries(obj).map(([k, v]) => h('tr', null, h('td', null, nameOf('clocks', k)), h('td', null, String(v.met ?? '')),
      h('td', null, String(v.late ?? '')), h('td', null, v.on_time_rate == null ? '—' : Math.round(v.on_time_rate * 1000) / 10 + '%'))))));
}

/* The bureau's figures (casefile's GET /v1/stats): counts as bars, amounts and
 * rates as tables; anything unknown shown as it comes. */
function statsView(stats) {
  if (!stats) return h('p', {class: 'muted', id: 'stats'}, '服务端未提供统计（/v1/stats）');
  const flat = {};
  const parts = [];
  for (const [k, v] of Object.entries(stats)) {
    if (typeof v === 'number' && k !== 'due_within_days') flat[STAT_NAMES[k] || k] = v;
    else if (k === 'clocks' && v && typeof v === 'object') parts.push(clocksTable(v));
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const nums = Object.values(v).every((x) => typeof x === 'number');
      parts.push(nums ? figureTable(STAT_NAMES[k] || k, v, k === 'by_state' ? 'states' : null) : kvTable(STAT_NAMES[k] || k, v));
    }
  }
  return h('div', {id: 'stats'},
    stats.from ? h('p', {class: 'muted'}, '统计期间：' + stats.from + ' 至 ' + (stats.to || '')) : null,
    figureTable('总体', flat), parts);
}

export async function showBoard(main) {
  await loadWorkflows();
  const reviewStates = new Set();
  for (const wf of state.workflows.values())
    for (const st of wf.states || []) if (/legal_review/.test(st.id)) reviewStates.add(st.id);
  const [overdue, soon, stats, ...reviews] = await Promise.all([
    list('open=1&overdue=1&limit=200'),
    list('open=1&due_within=3d&limit=200'),
    getOptional('/v1/stats'),
    ...[...reviewStates].map((st) => list('open=1&limit=200&state=' + encodeURIComponent(st)))]);
  const nearNotOver = soon.filter((c) => urgency(c.next_deadline) !== 'overdue');
  // extensions: cases near or past a deadline whose clock the head may extend
  const extendable = nearNotOver.filter((c) => {
    const wf = state.workflows.get(c.workflow);
    return wf && (wf.clocks || []).some((k) => k.extension && k.extension.approver === 'head');
  });
  fill(main, h('h1', null, '负责人看板'),
    h('section', {class: 'card'}, h('h2', null, '已超期案件（' + overdue.length + '）'), casesTable('board-overdue', overdue)),
    h('section', {class: 'card'}, h('h2', null, '3天内到期（' + nearNotOver.length + '）'), casesTable('board-soon', nearNotOver)),
    h('section', {class: 'card'}, h('h2', null, '待法制审核'), casesTable('board-review', reviews.flat())),
    h('section', {class: 'card'}, h('h2', null, '可能需要延长期限（临期，且期限可由负责人批准延长）'), casesTable('board-extend', extendable)),
    h('section', {class: 'card'}, h('h2', null, '统计'), statsView(stats)));
  startTicking();
}
