// run.mjs -- the peer of caseflow's bench (docs/performance.md): bpmn-engine 25
// driving bench/peer/linear8.bpmn (start, eight user tasks in a line, end) in
// memory, one Engine per case as bpmn-engine is meant to be used.
//
// The BPMN is parsed and serialized ONCE (bpmn-moddle + moddle-context-serializer,
// what Engine({source}) does on every construction); every case's Engine gets
// that sourceContext, so the figure is the execution cost, not XML parsing. A
// case is execute() then signal() of each postponed user task until the
// process ends (the engine's 'end' event, emitted synchronously by the
// last signal); its time counts the start, as caseflow's in-memory figure
// counts cf_engine_open. Prints one line: RESULT peer_mem <transitions/s> with
// cases, transitions and seconds.
//
// Usage: node run.mjs [cases] (default 2000; a warm-up of 500 cases runs first).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from 'bpmn-engine';
import BpmnModdle from 'bpmn-moddle';
import * as elements from 'bpmn-elements';
import serializer, { TypeResolver } from 'moddle-context-serializer';

const STEPS = 8;
const cases = Number(process.argv[2] || 2000);
const here = fileURLToPath(new URL('.', import.meta.url));
const source = readFileSync(`${here}/linear8.bpmn`, 'utf8');
const moddleContext = await new BpmnModdle().fromXML(source);
const sourceContext = serializer(moddleContext, TypeResolver(elements));
// A silent Logger (a documented Engine option): the default one creates a `debug`
// logger per element and scope, which costs the peer about a tenth of its time
// even with DEBUG unset. The peer gets its fastest configuration.
const silent = { debug() {}, error() {}, warn() {} };
const Logger = () => silent;

async function runCase(i) {
  const engine = new Engine({ name: `case-${i}`, sourceContext, Logger });
  let ended = false;
  engine.once('end', () => (ended = true));
  const execution = await engine.execute();
  let signalled = 0;
  for (;;) {
    const waiting = execution.getPostponed().filter((a) => a.type === 'bpmn:UserTask');
    if (!waiting.length) break;
    waiting[0].signal();
    signalled++;
  }
  if (signalled !== STEPS || !ended)
    throw new Error(`case ${i}: ${signalled} tasks signalled, ended ${ended}`);
}

for (let i = 0; i < 500; i++) await runCase(-i - 1);
const t0 = process.hrtime.bigint();
for (let i = 0; i < cases; i++) await runCase(i);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const transitions = cases * STEPS;
console.log(
  `RESULT peer_mem ${(transitions / seconds).toFixed(0)} cases=${cases} transitions=${transitions} ` +
    `seconds=${seconds.toFixed(3)} engine=bpmn-engine@25.0.1 node=${process.version}`
);
