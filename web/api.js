// api.js -- the one way the page talks to caseflow serve: same origin, the
// session cookie (HttpOnly: JavaScript never sees it) and, on every change,
// the X-CSRF-Token the session answered. Errors come back as ApiError with the
// server's JSON body (error, text, rule, article, version) so that a page can
// show the rule's message and article, or reload on a 409.

let csrf = null;

export function setCsrf(token) {
  csrf = token;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.text || body.error)) || 'HTTP ' + status);
    this.status = status;
    this.body = body || {};
  }
}

export async function call(method, path, body, headers) {
  const init = {method, headers: Object.assign({}, headers || {}), credentials: 'same-origin'};
  if (method !== 'GET' && method !== 'HEAD' && csrf) init.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) data = await res.json();
  else await res.arrayBuffer();
  if (!res.ok) throw new ApiError(res.status, data);
  return {data, headers: res.headers, status: res.status};
}

export async function get(path) {
  return (await call('GET', path)).data;
}

/* GET that answers null on 404 (an endpoint the server may not have yet). */
export async function getOptional(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e.status === 404 || e.status === 405) return null;
    throw e;
  }
}

export function post(path, body, headers) {
  return call('POST', path, body, headers);
}
