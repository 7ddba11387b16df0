// forms.js -- inputs for facts by their declared type (date, amount, bool,
// number, list of officers, text) and the reading of them back as the JSON
// the API takes; documents read from file inputs as base64.
import {h} from './dom.js';
import {getOptional} from './api.js';

/* A list of officers, each a name and a 执法证 number; "增加执法人员" adds a row. */
export function officersInput(name, initial) {
  const list = h('div', {class: 'officers', 'data-fact': name, 'data-type': 'officers'});
  const add = (o) => list.insertBefore(h('div', {class: 'officer'},
    h('input', {class: 'officer-name', placeholder: '姓名', value: (o && o.name) || '', 'aria-label': '执法人员姓名'}),
    h('input', {class: 'officer-cert', placeholder: '执法证号', value: (o && o.cert) || '', 'aria-label': '执法证号'}),
    h('button', {type: 'button', onclick: (ev) => ev.target.closest('.officer').remove()}, '移除')), addBtn);
  const addBtn = h('button', {type: 'button', class: 'add-officer', onclick: () => add()}, '增加执法人员');
  list.appendChild(addBtn);
  for (const o of initial && initial.length ? initial : [null]) add(o);
  return list;
}

function readOfficers(el) {
  return [...el.querySelectorAll('.officer')].map((r) => ({
    name: r.querySelector('.officer-name').value.trim(),
    cert: r.querySelector('.officer-cert').value.trim(),
  })).filter((o) => o.name || o.cert);
}

/* 案由 picked from the dictionary of the party's subject type (a text box when the server has none). */
export async function causeInput(name, subjectType, value) {
  const list = subjectType ? await getOptional('/v1/causes?subject_type=' + encodeURIComponent(subjectType)) : null;
  if (!list || !list.length) return h('input', {'data-fact': name, 'data-type': 'string', value: value || '', placeholder: '案由编号，如 js-2024:14'});
  return h('select', {'data-fact': name, 'data-type': 'string'}, h('option', {value: ''}, '请选择案由'),
    list.map((c) => {
      const v = c.ref || c.id;
      const label = (c.name || '') + (c.situation ? '（情形' + c.situation + '）' : '') + (c.text ? '：' + c.text.slice(0, 40) : '');
      return h('option', {value: v, selected: v === value, title: c.text || ''}, label || v);
    }));
}

export function factInput(id, type, value) {
  const v = value === undefined || value === null ? '' : value;
  switch (type) {
  case 'officers':
  case 'list':
    if (id === 'officers') return officersInput(id, Array.isArray(value) ? value : []);
    return h('textarea', {'data-fact': id, 'data-type': 'list', placeholder: '每行一项'}, Array.isArray(value) ? value.join('\n') : v);
  case 'bool':
    return h('select', {'data-fact': id, 'data-type': 'bool'}, h('option', {value: ''}, '请选择'),
      h('option', {value: 'true', selected: value === true}, '是'), h('option', {value: 'false', selected: value === false}, '否'));
  case 'date':
    return h('input', {type: 'date', 'data-fact': id, 'data-type': 'date', value: String(v).slice(0, 10)});
  case 'time':
  case 'instant':
    return h('input', {type: 'datetime-local', 'data-fact': id, 'data-type': type, value: String(v).slice(0, 16)});
  case 'amount':
    return h('input', {inputmode: 'decimal', pattern: '\\d+(\\.\\d{1,2})?', 'data-fact': id, 'data-type': 'amount', value: v, placeholder: '元，如 20000.00'});
  case 'int':
  case 'number':
    return h('input', {type: 'number', 'data-fact': id, 'data-type': 'int', value: v});
  default:
    return h('textarea', {'data-fact': id, 'data-type': 'string', rows: 2}, String(v));
  }
}

/* The facts of a form as JSON values of their types (empty inputs left out). */
export function readFacts(form) {
  const facts = {};
  for (const el of form.querySelectorAll('[data-fact]')) {
    const id = el.getAttribute('data-fact');
    const type = el.getAttribute('data-type');
    if (type === 'officers') {
      const o = readOfficers(el);
      if (o.length) facts[id] = o;
      continue;
    }
    const v = el.value.trim();
    if (v === '') continue;
    if (type === 'bool') facts[id] = v === 'true';
    else if (type === 'int') facts[id] = Number(v);
    else if (type === 'list') facts[id] = v.split('\n').map((x) => x.trim()).filter(Boolean);
    else if (type === 'instant' || type === 'time') facts[id] = v.length === 16 ? v + ':00+08:00' : v;
    else facts[id] = v;
  }
  return facts;
}

function base64(buf) {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/* The documents of a form's file inputs: {name: {content_base64, file}}. */
export async function readDocuments(form) {
  const docs = {};
  for (const el of form.querySelectorAll('input[type=file][data-doc]')) {
    const f = el.files && el.files[0];
    if (!f) continue;
    docs[el.getAttribute('data-doc')] = {content_base64: base64(await f.arrayBuffer()), file: f.name};
  }
  return docs;
}
