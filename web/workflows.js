// workflows.js -- the stored workflows (names of states and actions, fact
// types, clocks) read once per session: GET /v1/workflows, then each
// definition from GET /v1/workflows/{id}.
import {get, getOptional} from './api.js';
import {state} from './util.js';

export async function loadWorkflows() {
  if (state.workflows.size) return state.workflows;
  const list = await get('/v1/workflows');
  await Promise.all(list.map(async (w) => {
    const def = await getOptional('/v1/workflows/' + encodeURIComponent(w.id));
    state.workflows.set(w.id, Object.assign({}, w, def || {}));
  }));
  return state.workflows;
}

export async function workflowOf(id) {
  await loadWorkflows();
  return state.workflows.get(id);
}

/* The declared type of a fact: from the definition, else guessed from its id. */
export function factType(wf, id) {
  const f = wf && (wf.facts || []).find((x) => x.id === id);
  if (f && f.type) return f.type;
  if (id === 'officers') return 'officers';
  if (/(_at|_date|date)$/.test(id)) return 'date';
  if (/(fine|amount|funds|paid)/.test(id)) return 'amount';
  if (id === 'serious') return 'bool';
  return 'string';
}

export function factName(wf, id) {
  const f = wf && (wf.facts || []).find((x) => x.id === id);
  return f && f.name ? f.name : id;
}
