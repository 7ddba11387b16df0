// util.js -- shared state (who is signed in, the daemon's clock) and formats.
// The countdowns run on the daemon's clock, not the browser's: the session
// answer carries `now` when the server gives it, and the offset is kept.

export const state = {session: null, offsetMs: 0, workflows: new Map()};

export function setServerNow(iso) {
  if (iso) state.offsetMs = Date.parse(iso) - Date.now();
}

export function now() {
  return Date.now() + state.offsetMs;
}

export const ROLE_NAMES = {handler: '办案人员', reviewer: '审核人员', head: '负责人', auditor: '审计人员', metrics: '监控'};

/* Left until iso, in Chinese: "3天4小时", "已超期2天". */
export function leftText(iso) {
  if (!iso) return '—';
  let s = Math.floor((Date.parse(iso) - now()) / 1000);
  const over = s < 0;
  s = Math.abs(s);
  const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const txt = d > 0 ? `${d}天${hh}小时${mm}分` : `${hh}小时${mm}分${ss}秒`;
  return over ? '已超期' + txt : '剩余' + txt;
}

/* 'overdue', 'soon' (within 3 days) or '' for a deadline. */
export function urgency(iso) {
  if (!iso) return '';
  const ms = Date.parse(iso) - now();
  if (ms < 0) return 'overdue';
  if (ms < 3 * 86400 * 1000) return 'soon';
  return '';
}

export function fmtTime(iso) {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\+08:00$/, '');
}

/* Text people typed, with the Unicode bidirectional controls shown as '�': a file named
   "发票\u202Efdp.exe" would read "发票exe.pdf", a party's name could be shown reversed
   (docs/security.md, attack-12.4). */
export function plain(text) {
  return String(text).replace(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '\uFFFD');
}

export function partyText(p) {
  if (!p) return '';
  return plain(p.name + (p.type ? '（' + p.type + '）' : ''));
}
