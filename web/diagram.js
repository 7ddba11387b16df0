// diagram.js -- draws layout.js's layout as SVG: the boxes, the edges, the
// labels; the current state and the path taken marked. Text is set with
// textContent only (state names come from the workflow, but still).
import {s} from './dom.js';
import {layoutWorkflow} from './layout.js';

/* taken: [{from, to}] the transitions the case went through; current: state id. */
export function drawWorkflow(wf, current, taken) {
  const L = layoutWorkflow(wf);
  const visited = new Set();
  const takenPairs = new Set();
  for (const t of taken || []) {
    visited.add(t.from);
    visited.add(t.to);
    takenPairs.add(t.from + '>' + t.to);
  }
  const svg = s('svg', {width: L.width, height: L.height, viewBox: `0 0 ${L.width} ${L.height}`,
                        role: 'img', 'aria-label': (wf.title || wf.id) + ' 流程图'});
  svg.appendChild(s('defs', null,
    s('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'},
      s('path', {d: 'M0,0 L10,5 L0,10 z'}))));
  const gEdges = s('g', {class: 'edges'});
  for (const e of L.edges) {
    const taken = takenPairs.has(e.from + '>' + e.to);
    gEdges.appendChild(s('path', {class: 'edge' + (taken ? ' taken' : ''), d: e.d, 'marker-end': 'url(#arrow)'},
      s('title', null, e.labels.join('；') + (e.folded ? '（自：' + e.folded.map((f) => nameOf(wf, f)).join('、') + '）' : ''))));
    if (e.label && e.label.leader) {
      const [ax, ay] = e.label.leader;
      gEdges.appendChild(s('path', {class: 'leader', d: `M${ax},${ay} L${e.label.x - 2},${e.label.y - 4}`}));
    }
  }
  svg.appendChild(gEdges);
  const gBoxes = s('g', {class: 'boxes'});
  for (const b of L.boxes) {
    const cls = ['box', b.main && 'main', b.terminal && 'terminal', visited.has(b.id) && 'visited', b.id === current && 'current'];
    const g = s('g', {class: cls.filter(Boolean).join(' '), 'data-state': b.id},
      s('rect', {x: b.x, y: b.y, width: b.w, height: b.h, rx: 5}),
      s('text', {class: 'blabel', x: b.x + 10, y: b.y + b.h / 2 + 5}, b.name));
    if (b.loops.length) {
      g.appendChild(s('text', {class: 'loops', x: b.x + b.w - 8, y: b.y + b.h / 2 + 5, 'text-anchor': 'end'}, '↻' + b.loops.length,
        s('title', null, '本环节内可办：' + b.loops.join('、'))));
    }
    g.appendChild(s('title', null, b.name + (b.loops.length ? '；本环节内可办：' + b.loops.join('、') : '')));
    gBoxes.appendChild(g);
  }
  svg.appendChild(gBoxes);
  const gLabels = s('g', {class: 'labels'});
  for (const l of L.labels) gLabels.appendChild(s('text', {class: 'elabel', x: l.x, y: l.y}, l.text));
  svg.appendChild(gLabels);
  return svg;
}

function nameOf(wf, id) {
  const st = wf.states.find((x) => x.id === id);
  return st ? st.name : id;
}
