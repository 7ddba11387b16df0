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

/* A table of label -> number with a bar for each (SVG, no style attributes). */
function figureTable(title, obj) {
  const entries = Object.entries(obj).filter(([, v]) => typeof v === 'number');
  if (!entries.length) return null;
  const max = Math.max(1, ...entries.map(([, v]) => v));
  return h('div', {class: 'card'}, h('h3', null, title), h('table', {class: 'figures'},
    h('tbody', null, entries.map(([k, v]) => h('tr', null, h('td', null, k), h('td', null, String(v)),
      h('td', null, s('svg', {width: 200, height: 14}, s('rect', {x: 0, y: 1, height: 12, width: Math.round(196 * v / max), fill: '#1f5fa8'}))))))));
}

function statsView(stats) {
  if (!stats) return h('p', {class: 'muted', id: 'stats'}, '服务端未提供统计（/v1/stats）');
  const parts = [];
  const flat = {};
  for (const [k, v] of Object.entries(stats)) {
    if (typeof v === 'number') flat[k] = v;
    else if (v && typeof v === 'object' && !Array.isArray(v)) parts.push(figureTable(k, v));
    else if (Array.isArray(v) && v.length && typeof v[0] === 'object') {
      const cols = Object.keys(v[0]);
      parts.push(h('div', {class: 'card'}, h('h3', null, k), h('table', null,
        h('thead', null, h('tr', null, cols.map((c) => h('th', null, c)))),
        h('tbody', null, v.map((r) => h('tr', null, cols.map((c) => h('td', null, r[c] == null ? '' : String(r[c])))))))));
    }
  }
  return h('div', {id: 'stats'}, figureTable('总体', flat), parts);
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
