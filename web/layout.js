// layout.js -- the procedure as a picture: a layered layout of a workflow,
// written here rather than taken from Graphviz (no WebAssembly, nothing loaded
// at run time) because the procedures have one shape worth drawing well: a
// main line from the first state to the archive, with exits to the side.
//
// 1. Rank every state by its longest distance from the initial state over the
//    graph without its back edges (a depth-first search from the initial state
//    marks them).
// 2. The main line is the workflow's own (`main_line`), else the longest path
//    that ends in a terminal state; it is
//    one column, one rank a row, so it reads straight down.
// 3. Every other state sits on its rank's row in the first free column to the
//    right: the exits are folded beside the step they leave.
// 4. Self-loops (actions that stay in the state) are not drawn as edges; the
//    box counts them. A transition from many states to one exit (终止、中止)
//    is drawn once, from the first of them, and says how many.
// 5. Labels are placed greedily: candidate spots along each edge, the first
//    that meets no box and no label already placed; when none is free the
//    label goes into the free lane on the right with a dotted leader.
// The result is plain data (boxes, edges, labels with their rectangles), so
// that the overlap checks are the same in the page and in the tests.

export const FONT_PX = 13;
const BOX_H = 34;
const ROW_GAP = 34;
const COL_GAP = 110;
const PAD = 10;

/* Width of text at FONT_PX, measured with a canvas (same font as the SVG). */
let ctx = null;
export function textWidth(text) {
  if (!ctx) {
    ctx = document.createElement('canvas').getContext('2d');
    ctx.font = FONT_PX + 'px ' + getComputedStyle(document.body).fontFamily;
  }
  return Math.ceil(ctx.measureText(text).width) + 2;
}

function rectsOverlap(a, b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/* The targets of a transition from state `from` (@stay/@back resolve). */
function targetOf(t, from) {
  if (t.to === '@stay') return from;
  if (t.to === '@back') return null; /* back to where it came from: not drawn */
  return t.to;
}

function rank(states, edges, initial) {
  const out = new Map(states.map((s) => [s.id, []]));
  for (const e of edges) if (out.has(e.from) && out.has(e.to)) out.get(e.from).push(e);
  // depth-first: mark back edges
  const color = new Map();
  const visit = (v) => {
    color.set(v, 1);
    for (const e of out.get(v)) {
      const c = color.get(e.to) || 0;
      if (c === 1) e.back = true;
      else if (c === 0) visit(e.to);
    }
    color.set(v, 2);
  };
  visit(initial);
  for (const s of states) if (!color.get(s.id)) visit(s.id);
  // longest path over forward edges (topological by repeated relaxation)
  const r = new Map(states.map((s) => [s.id, 0]));
  const pred = new Map();
  for (let i = 0; i < states.length; i++) {
    let changed = false;
    for (const e of edges) {
      if (e.back || e.from === e.to) continue;
      if (r.get(e.from) + 1 > r.get(e.to)) {
        r.set(e.to, r.get(e.from) + 1);
        pred.set(e.to, e.from);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return {r, pred};
}

/*
 * layoutWorkflow(wf) -> {width, height, boxes, edges, labels}
 * wf: {initial, states: [{id, name, terminal}], transitions: [{action, label, from, to}]}
 */
export function layoutWorkflow(wf) {
  const states = wf.states;
  const byId = new Map(states.map((s) => [s.id, s]));
  const loops = new Map(states.map((s) => [s.id, []]));
  const edges = [];
  for (const t of wf.transitions) {
    const froms = Array.isArray(t.from) ? t.from : [t.from];
    const real = froms.filter((f) => byId.has(f));
    const moving = real.filter((f) => targetOf(t, f) && targetOf(t, f) !== f);
    for (const f of real) if (targetOf(t, f) === f) loops.get(f).push(t.label);
    if (!moving.length) continue;
    const to = targetOf(t, moving[0]);
    if (!byId.has(to)) continue;
    if (moving.length > 2) {
      edges.push({from: moving[0], to, label: t.label + '（' + moving.length + '个环节）', folded: moving});
    } else {
      for (const f of moving) edges.push({from: f, to, label: t.label});
    }
  }
  // one edge per pair of states: labels of parallel transitions joined
  const pairs = new Map();
  for (const e of edges) {
    const k = e.from + '>' + e.to;
    if (pairs.has(k)) pairs.get(k).labels.push(e.label);
    else pairs.set(k, {from: e.from, to: e.to, labels: [e.label], folded: e.folded});
  }
  const drawn = [...pairs.values()];
  const {r, pred} = rank(states, drawn, wf.initial);
  // the main line: the longest forward path ending in a terminal state
  let end = null;
  for (const s of states) if (s.terminal && (!end || r.get(s.id) > r.get(end))) end = s.id;
  let main = [];
  for (let cur = end; cur !== undefined && main.length <= states.length; cur = pred.get(cur)) main.unshift(cur);
  // the workflow's own main line when the server gives one (GET /v1/workflows/{id}
  // main_line) and every state of it is known
  if (Array.isArray(wf.main_line) && wf.main_line.length > 1 && wf.main_line.every((id) => byId.has(id))) main = wf.main_line.slice();
  const onMain = new Set(main);
  // rows: the main line consecutive; other states by rank, never above the main line's row of their rank
  const row = new Map();
  main.forEach((id, i) => row.set(id, i));
  const col = new Map(main.map((id) => [id, 0]));
  const taken = new Set(main.map((id) => row.get(id) + ':0'));
  const rest = states.filter((s) => !onMain.has(s.id)).sort((a, b) => r.get(a.id) - r.get(b.id));
  for (const s of rest) {
    // beside the main-line state it is most connected to, else its rank
    const near = drawn.find((e) => e.to === s.id && onMain.has(e.from)) ||
                 drawn.find((e) => e.from === s.id && onMain.has(e.to));
    let y = near ? row.get(near.from === s.id ? near.to : near.from) : Math.min(r.get(s.id), main.length - 1);
    let c = 1;
    while (taken.has(y + ':' + c)) c++;
    row.set(s.id, y);
    col.set(s.id, c);
    taken.add(y + ':' + c);
  }
  // box sizes: the widest name in each column
  const nCols = Math.max(...col.values()) + 1;
  const colW = new Array(nCols).fill(90);
  for (const s of states) {
    const w = textWidth(s.name) + 24 + (loops.get(s.id).length ? textWidth('↻' + loops.get(s.id).length) + 6 : 0);
    colW[col.get(s.id)] = Math.max(colW[col.get(s.id)], w);
  }
  // the skips and back edges of the main line go round on the left, each in a
  // lane of its own: the shortest nearest, none sharing a lane where they overlap
  const laneOf = new Map();
  const lanes = [];
  const around = drawn.filter((e) => col.get(e.from) === col.get(e.to) && row.get(e.to) !== row.get(e.from) + 1)
                     .sort((p, q) => Math.abs(row.get(p.to) - row.get(p.from)) - Math.abs(row.get(q.to) - row.get(q.from)));
  for (const e of around) {
    const lo = Math.min(row.get(e.from), row.get(e.to)), hi = Math.max(row.get(e.from), row.get(e.to));
    let k = 0;
    while (lanes[k] && lanes[k].some(([a, b]) => a <= hi && lo <= b)) k++;
    (lanes[k] = lanes[k] || []).push([lo, hi]);
    laneOf.set(e, k);
  }
  const LEFT = 200 + 16 * lanes.length; // room on the left for the lanes and their labels
  const colX = [];
  let x = LEFT;
  for (let c = 0; c < nCols; c++) {
    colX.push(x);
    x += colW[c] + COL_GAP + (c === 0 ? 120 : 0);
  }
  const boxes = new Map();
  for (const s of states) {
    const c = col.get(s.id);
    boxes.set(s.id, {
      id: s.id, name: s.name, loops: loops.get(s.id), terminal: s.terminal, main: onMain.has(s.id),
      x: colX[c], y: PAD + row.get(s.id) * (BOX_H + ROW_GAP), w: colW[c], h: BOX_H,
    });
  }
  let width = Math.max(...[...boxes.values()].map((b) => b.x + b.w)) + 40;
  let height = PAD + (Math.max(...row.values()) + 1) * (BOX_H + ROW_GAP);
  // edges as paths, with candidate label spots
  const placedLabels = [];
  const obstacles = [...boxes.values()].map((b) => ({x: b.x - 4, y: b.y - 4, w: b.w + 8, h: b.h + 8}));
  const outEdges = [];
  // labels of the straight steps first, then the side exits, then the lanes
  const order = (e) => (col.get(e.from) === col.get(e.to) ? (row.get(e.to) === row.get(e.from) + 1 ? 0 : 2) : 1);
  for (const e of drawn.slice().sort((p, q) => order(p) - order(q))) {
    const a = boxes.get(e.from), b = boxes.get(e.to);
    let d, cands;
    const ax = a.x + a.w / 2, bx = b.x + b.w / 2;
    if (a.x === b.x && row.get(e.to) === row.get(e.from) + 1) {
      d = `M${ax},${a.y + a.h} L${bx},${b.y}`;
      const my = (a.y + a.h + b.y) / 2;
      cands = [[ax + 8, my + 6, 'start'], [ax - 8, my + 6, 'end']];
    } else if (laneOf.has(e)) {
      // same column, not adjacent: around on the left, in its lane
      const lx = a.x - 14 - 16 * laneOf.get(e);
      const y1 = a.y + a.h / 2, y2 = b.y + b.h / 2;
      d = `M${a.x},${y1} L${lx},${y1} L${lx},${y2} L${b.x},${y2}`;
      // anywhere along the lane, beside it, middle first
      cands = [];
      const top = Math.min(y1, y2) + FONT_PX + 2, bottom = Math.max(y1, y2) - 2;
      const mid = (top + bottom) / 2;
      const ys = [];
      for (let yy = top; yy <= bottom; yy += 8) ys.push(yy);
      ys.sort((p, q) => Math.abs(p - mid) - Math.abs(q - mid));
      for (const yy of ys) cands.push([lx - 5, yy, 'end']);
      for (const yy of ys) cands.push([lx + 5, yy, 'start']);
    } else {
      const left = a.x < b.x;
      const x1 = left ? a.x + a.w : a.x, x2 = left ? b.x : b.x + b.w;
      const y1 = a.y + a.h / 2 + (row.get(e.from) === row.get(e.to) ? 0 : (row.get(e.to) > row.get(e.from) ? 6 : -6));
      const y2 = b.y + b.h / 2;
      const cx = (x1 + x2) / 2;
      d = `M${x1},${y1} C${cx},${y1} ${cx},${y2} ${x2},${y2}`;
      // points of the curve, from its middle out; above the line, then below
      cands = [];
      for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88]) {
        const u = 1 - t;
        const px = u * u * u * x1 + 3 * u * u * t * cx + 3 * u * t * t * cx + t * t * t * x2;
        const py = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2;
        cands.push([px, py - 5, 'middle'], [px, py + FONT_PX + 3, 'middle']);
      }
    }
    // parallel actions: the first named, the others counted (all in the edge's title)
    const text = e.labels.length > 1 ? e.labels[0] + ' 等' + e.labels.length + '项' : e.labels[0];
    const tw = textWidth(text);
    let spot = null;
    for (const [cx, cy, anchor] of cands) {
      const lx = anchor === 'start' ? cx : anchor === 'end' ? cx - tw : cx - tw / 2;
      const rect = {x: lx, y: cy - FONT_PX - 3, w: tw, h: FONT_PX + 8};
      if (rect.x < 0) continue;
      if (obstacles.some((o) => rectsOverlap(o, rect)) || placedLabels.some((l) => rectsOverlap(l.rect, rect))) continue;
      spot = {x: lx, y: cy, rect, text};
      break;
    }
    const edge = {from: e.from, to: e.to, d, back: Boolean(e.back), folded: e.folded, labels: e.labels};
    if (!spot) edge.overflow = {text, w: tw, ax: (a.x + b.x) / 2 + a.w / 2, ay: (a.y + b.y) / 2 + a.h / 2};
    else placedLabels.push(spot);
    edge.label = spot;
    outEdges.push(edge);
  }
  // the labels that found no place: one per line in the lane on the right
  let laneY = PAD + FONT_PX;
  for (const e of outEdges) {
    if (!e.overflow) continue;
    const lx = width;
    const rect = {x: lx, y: laneY - FONT_PX - 3, w: e.overflow.w, h: FONT_PX + 8};
    e.label = {x: lx, y: laneY, rect, text: e.overflow.text, leader: [e.overflow.ax, e.overflow.ay]};
    placedLabels.push(e.label);
    laneY += FONT_PX + 10;
    width = Math.max(width, lx + e.overflow.w + PAD);
  }
  height = Math.max(height, laneY);
  for (const l of placedLabels) width = Math.max(width, l.rect.x + l.rect.w + PAD);
  return {width: width + PAD, height: height + PAD, boxes: [...boxes.values()], edges: outEdges, labels: placedLabels};
}
