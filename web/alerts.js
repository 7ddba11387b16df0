// alerts.js -- the live alerts: an EventSource on /v1/stream (the session
// cookie goes with it; no token in the URL), each alert for the person signed
// in (forMe: the case's handlers, the head for a breach or an escalation)
// shown as a toast and kept in the panel with 确认 (POST /v1/alerts/{id}/ack). A change to the case
// on screen reloads it, so a warned or breached clock shows at once.
import {h, fill, $} from './dom.js';
import {getOptional, post} from './api.js';
import {fmtTime, state} from './util.js';
import {caseOnScreen} from './casepage.js';

let source = null;
const alerts = new Map();

function clockName(a) {
  const wf = state.workflows.get(a.workflow);
  const k = wf && (wf.clocks || []).find((x) => x.id === a.clock);
  return a.clock_name || (k ? k.name : a.clock || '');
}

/* Whether alert a is for the person signed in (issue 22 item 5): a warning goes to
 * the case's handlers (every handler when the case names none), a breach to them and
 * the head, an escalation (nobody acknowledged in time) to the head and the handlers.
 * The stream is the agency's; the daemon says whom each alert is for (to, handlers). */
export function forMe(a, who) {
  if (!who) return false;
  const named = Array.isArray(a.handlers) && a.handlers.length ? a.handlers.includes(who.actor) : who.role === 'handler';
  const up = a.event === 'alert.escalated' || a.to === 'head' || a.level === 'breach' || a.point === 'deadline';
  return named || (up && who.role === 'head');
}

function levelName(a) {
  if (a.event === 'alert.escalated' || a.level === 'escalated') return '上报负责人（超时未确认）';
  return a.point === 'deadline' || a.level === 'breach' ? '已届满' : '临期预警';
}

function render() {
  const panel = $('#alerts');
  const pending = [...alerts.values()].filter((a) => !a.acknowledged_at);
  const badge = $('#alert-count');
  if (badge) {
    badge.textContent = String(pending.length);
    badge.classList.toggle('hidden', pending.length === 0);
  }
  fill(panel, h('h2', null, '预警'),
    alerts.size ? [...alerts.values()].reverse().map((a) => h('div', {class: 'alert ' + (a.point || ''), 'data-alert': a.alert_id},
      h('div', null, h('a', {href: '#/case/' + a.case}, '案件 #' + a.case), '　', levelName(a), '　', clockName(a)),
      h('div', {class: 'muted'}, '届满：' + fmtTime(a.deadline)),
      a.acknowledged_at ? h('div', {class: 'muted'}, '已确认：' + (a.acknowledged_by || '') + ' ' + fmtTime(a.acknowledged_at))
        : h('button', {type: 'button', class: 'ack', onclick: () => ack(a)}, '确认'))) : h('p', {class: 'muted'}, '暂无预警'));
}

async function ack(a) {
  try {
    const {data} = await post(`/v1/alerts/${encodeURIComponent(a.alert_id)}/ack`, {});
    a.acknowledged_at = (data && data.acknowledged_at) || new Date().toISOString();
    a.acknowledged_by = data && data.acknowledged_by;
  } catch (e) {
    toast('确认失败：' + e.message, true);
  }
  render();
}

export function toast(text, bad) {
  const t = h('div', {class: 'toast' + (bad ? ' breach' : '')}, text);
  $('#toasts').appendChild(t);
  setTimeout(() => t.remove(), 8000);
}

function onAlert(ev) {
  const a = JSON.parse(ev.data);
  if (!a.alert_id) return;
  if (ev.type === 'alert.escalated') a.event = 'alert.escalated';
  const mine = forMe(a, state.session);
  // a case on screen shows its clocks' new state whoever the alert is for
  if (!mine) return refreshIfOnScreen(a.case, a.seq, true);
  const old = alerts.get(a.alert_id) || {};
  alerts.set(a.alert_id, Object.assign(old, a));
  render();
  toast('案件 #' + a.case + '：' + levelName(a) + '（' + clockName(a) + '，届满 ' + fmtTime(a.deadline) + '）', a.point === 'deadline');
  refreshIfOnScreen(a.case, a.seq, true);
}

function onAck(ev) {
  const a = JSON.parse(ev.data);
  const old = alerts.get(a.alert_id);
  if (old) {
    old.acknowledged_at = a.at || a.acknowledged_at;
    old.acknowledged_by = a.actor || a.acknowledged_by;
    render();
  }
}

/* An alert on the case on screen reloads it at once (its clocks show the
 * warning); a change made by someone else only says so, so that a form being
 * filled in is not lost: acting on the old version is answered 409 and reloads. */
function refreshIfOnScreen(caseId, version, isAlert) {
  // the worklist and the board show the case's new deadline state at once
  const onList = ['', '#/', '#/board'].includes(location.hash);
  if (isAlert && onList && document.querySelector(`tr[data-case="${caseId}"]`)) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  const cur = caseOnScreen();
  if (!cur || cur.id !== caseId || location.hash !== '#/case/' + caseId || (version && version <= cur.version)) return;
  if (isAlert) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    return;
  }
  const box = document.getElementById('stale');
  if (box) box.classList.remove('hidden');
}

export async function startAlerts() {
  stopAlerts();
  alerts.clear();
  // the fired alerts nobody acknowledged yet, with their routing from the case
  // (a handler's: those of the cases they handle; the head's: all the agency's)
  const mineOnly = state.session && state.session.role === 'handler' ? '&handler=' + encodeURIComponent(state.session.actor) : '';
  const list = await getOptional('/v1/alerts?state=unacknowledged&limit=100' + mineOnly).catch(() => null);
  for (const a of list || []) {
    if (a.escalated_at) a.event = 'alert.escalated';
    alerts.set(a.alert_id, a);
  }
  render();
  source = new EventSource('/v1/stream');
  source.addEventListener('alert', onAlert);
  source.addEventListener('alert.escalated', onAlert);
  source.addEventListener('alert.acknowledged', onAck);
  // a stream that fell behind is ended by the daemon: catch up from the list
  source.addEventListener('overflow', () => {
    stopAlerts();
    startAlerts();
  });
  source.addEventListener('transition', (ev) => {
    const e = JSON.parse(ev.data);
    refreshIfOnScreen(e.case, e.version);
  });
}

export function stopAlerts() {
  if (source) source.close();
  source = null;
}

export function toggleAlertsPanel() {
  $('#alerts').classList.toggle('hidden');
}

