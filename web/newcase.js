// newcase.js -- 新建案件: by workflow, or by matter searched in the 权责清单;
// the party and its type; the 案由 from the dictionary of that subject type;
// the officers with their 执法证 numbers; the lead's source.
import {h, fill} from './dom.js';
import {getOptional, post} from './api.js';
import {officersInput, causeInput, readFacts} from './forms.js';
import {loadWorkflows} from './workflows.js';
import {refusal} from './casepage.js';

const PARTY_TYPES = ['定点医药机构', '自然人', '个体工商户', '经办机构', '其他主体'];

export async function showNewCase(main) {
  const wfs = await loadWorkflows();
  const wfSelect = h('select', {name: 'workflow', id: 'nc-workflow'},
    [...wfs.values()].map((w) => h('option', {value: w.id}, (w.title || w.id) + '（' + (w.power_type || '') + '）')));
  const matterQ = h('input', {id: 'nc-matter-q', placeholder: '在权责清单中搜索事项'});
  const matterSel = h('select', {name: 'matter', id: 'nc-matter'}, h('option', {value: ''}, '（不按事项）'));
  const partyType = h('select', {name: 'party_type', id: 'nc-party-type'}, PARTY_TYPES.map((t) => h('option', {value: t}, t)));
  const causeBox = h('label', null, '案由', await causeInput('cause', partyType.value));
  partyType.addEventListener('change', async () => {
    fill(causeBox, '案由', await causeInput('cause', partyType.value));
  });
  matterQ.addEventListener('change', async () => {
    const list = await getOptional('/v1/matters?q=' + encodeURIComponent(matterQ.value));
    fill(matterSel, h('option', {value: ''}, list ? '（不按事项）' : '（服务端未提供事项检索）'),
      (list || []).map((m) => h('option', {value: m.id}, m.name || m.id)));
  });
  const out = h('div');
  const form = h('form', {class: 'card', id: 'new-case'},
    h('div', {class: 'row'},
      h('label', null, '程序', wfSelect),
      h('label', null, '或按事项', matterQ),
      h('label', null, '事项', matterSel)),
    h('div', {class: 'row'},
      h('label', null, '当事人', h('input', {name: 'party', id: 'nc-party', required: true})),
      h('label', null, '当事人类别', partyType),
      causeBox,
      h('label', null, '线索来源', h('input', {'data-fact': 'lead_source', 'data-type': 'string', placeholder: '监督检查、投诉举报……'}))),
    h('h3', null, '执法人员'),
    officersInput('officers', []),
    h('p', null, h('button', {type: 'submit', class: 'primary'}, '登记')),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const facts = readFacts(form);
    const body = {party: {name: form.querySelector('#nc-party').value.trim(), type: partyType.value}};
    if (matterSel.value) body.matter = matterSel.value;
    else body.workflow = wfSelect.value;
    if (facts.cause) body.cause = facts.cause;
    if (facts.officers) body.officers = facts.officers;
    delete facts.cause;
    delete facts.officers;
    if (Object.keys(facts).length) body.facts = facts;
    try {
      const {data} = await post('/v1/cases', body);
      location.hash = '#/case/' + data.id;
    } catch (e) {
      fill(out, refusal(e));
    }
  });
  fill(main, h('h1', null, '新建案件'), form);
}
