// app.js -- the workbench's entry: the session (sign in with a token, which
// the server turns into an HttpOnly cookie; sign out), the navigation by
// location hash (#/ 工作台, #/new 新建案件, #/case/ID, #/board 负责人看板),
// and the live alerts. Vanilla modules, no framework: see docs/workbench.md.
import {h, fill, $} from './dom.js';
import {call, get, setCsrf} from './api.js';
import {state, setServerNow, ROLE_NAMES} from './util.js';
import {showWorklist} from './worklist.js';
import {showCase} from './casepage.js';
import {showNewCase} from './newcase.js';
import {showBoard} from './board.js';
import {startAlerts, stopAlerts, toggleAlertsPanel} from './alerts.js';

const main = () => $('#main');

function signInForm(message) {
  const input = h('input', {type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true});
  const err = h('div', {class: message ? 'error' : 'hidden', id: 'signin-error'}, message || '');
  const form = h('form', {class: 'card signin', id: 'signin'},
    h('h1', null, '登录'),
    h('label', null, '令牌（由系统管理员以 caseflow token create 发放）', input),
    err,
    h('p', null, h('button', {class: 'primary', type: 'submit'}, '登录')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const {data} = await call('POST', '/v1/session', {token: input.value});
      input.value = '';
      await begin(data);
    } catch (e) {
      err.className = 'error';
      err.textContent = e.status === 401 ? '令牌无效或已过期' : '登录失败：' + e.message;
    }
  });
  fill($('#nav'));
  fill($('#who'));
  fill(main(), form);
  input.focus();
}

async function signOut() {
  try {
    await call('DELETE', '/v1/session');
  } finally {
    stopAlerts();
    state.session = null;
    setCsrf(null);
    location.hash = '#/';
    signInForm();
  }
}

function header() {
  const s = state.session;
  const links = [['#/', '工作台']];
  if (s.role !== 'auditor') links.push(['#/new', '新建案件']);
  if (s.role === 'head' || s.role === 'auditor') links.push(['#/board', '负责人看板']);
  fill($('#nav'), links.map(([href, text]) => h('a', {href, 'data-nav': href}, text)));
  fill($('#who'),
    h('button', {type: 'button', id: 'alerts-toggle', onclick: toggleAlertsPanel}, '预警 ', h('span', {class: 'badge hidden', id: 'alert-count'}, '0')),
    h('span', {id: 'who-name'}, s.actor),
    h('span', {id: 'who-role'}, ROLE_NAMES[s.role] || s.role),
    h('span', {id: 'who-agency'}, s.agency),
    h('button', {type: 'button', id: 'signout', onclick: signOut}, '退出'));
}

async function begin(session) {
  state.session = session;
  setCsrf(session.csrf);
  setServerNow(session.now);
  header();
  startAlerts();
  await route();
}

export async function route() {
  if (!state.session) return;
  const hash = location.hash || '#/';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === hash);
  const m = hash.match(/^#\/case\/(\d+)$/);
  try {
    if (m) await showCase(main(), Number(m[1]));
    else if (hash === '#/new') await showNewCase(main());
    else if (hash === '#/board') await showBoard(main());
    else await showWorklist(main());
  } catch (e) {
    if (e.status === 401) return signInForm('会话已过期，请重新登录');
    fill(main(), h('div', {class: 'error'}, '载入失败：' + e.message));
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', async () => {
  try {
    await begin(await get('/v1/session'));
  } catch (e) {
    signInForm(e.status === 401 ? '' : '无法连接服务：' + e.message);
  }
});
