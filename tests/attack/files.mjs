// files.mjs -- hostile files against the importer (`caseflow import`) and the YAML
// loaders (`caseflow workflow check`, `calendar load`), made here at run time (a zip
// writer of its own: no fixture of 100 MB in the repository). Each must be refused
// with a clear error, fast, and without a crash (a signal):
//   attack-6.*  Office files: XML "billion laughs", an external entity, a zip bomb
//   attack-7.*  corrupt PDF, .xls and zip files
//   attack-8.*  YAML: aliases ("billion laughs"), huge files, /dev/zero
// Usage: node files.mjs CASEFLOW_BINARY WORKDIR   (CASEFLOW_DB set by attack.sh)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [bin, dir] = process.argv.slice(2);
const LIMIT_MS = 20000; // generous: the sanitizer build runs this too
let passed = 0;
const failures = [];
function check(id, cond, why) {
  if (cond) { passed++; console.log(`ok   ${id}`); }
  else { failures.push(id); console.log(`FAIL ${id}: ${why}`); }
}

// ---- a zip writer (deflate, one central directory) -----------------------------------------------

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function zip(entries) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const packed = zlib.deflateRawSync(data, { level: 9 });
    const n = Buffer.from(name, 'utf8');
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0); h.writeUInt16LE(20, 4); h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc32(data), 14); h.writeUInt32LE(packed.length, 18); h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(20, 4); c.writeUInt16LE(20, 6); c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc32(data), 16); c.writeUInt32LE(packed.length, 20); c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28); c.writeUInt32LE(offset, 42);
    locals.push(h, n, packed);
    central.push(c, n);
    offset += h.length + n.length + packed.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(central.length / 2, 8); end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function run(args, id, limit = LIMIT_MS) {
  const t0 = Date.now();
  const r = spawnSync(bin, args, { cwd: dir, timeout: limit, encoding: 'utf8', maxBuffer: 1 << 24 });
  const out = `${r.stdout || ''}${r.stderr || ''}`;
  return { status: r.status, signal: r.signal, out, ms: Date.now() - t0, id };
}
// Refused: exit 2 (invalid input), no signal, in time, the message matching re.
function refused(id, args, re, text, limit) {
  const r = run(args, id, limit);
  check(`${id} ${text}: refused (exit 2), ${re}, in ${r.ms} ms`,
    r.status === 2 && !r.signal && re.test(r.out),
    `exit ${r.status} signal ${r.signal} after ${r.ms} ms: ${r.out.slice(0, 300)}`);
  return r;
}
const file = (name, bytes) => { fs.writeFileSync(path.join(dir, name), bytes); return name; };

// ---- attack-6: Office files ----------------------------------------------------------------------

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
const types = '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
let laughs = '<!ENTITY lol0 "lol">';
for (let i = 1; i <= 9; i++) laughs += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
const docx = (doctype, body) => zip({ '[Content_Types].xml': types,
  'word/document.xml': `<?xml version="1.0"?>\n${doctype}<w:document ${W}><w:body>${body}</w:body></w:document>` });
const para = (t) => `<w:p><w:r><w:t>${t}</w:t></w:r></w:p>`;

refused('attack-6.1', ['import', file('laughs.docx', docx(`<!DOCTYPE w:document [${laughs}]>`, para('&lol9;'))), '--out', 'o.yaml'],
  /DTD/, 'a .docx with nested entities (billion laughs)');
refused('attack-6.2', ['import', file('laughs.xlsx', zip({ '[Content_Types].xml': types,
  'xl/worksheets/sheet1.xml': `<?xml version="1.0"?>\n<!DOCTYPE worksheet [${laughs}]><worksheet><sheetData><row r="1">` +
    '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>' })), '--out', 'o.yaml'],
/DTD/, 'a .xlsx with nested entities (billion laughs)');
const secret = path.join(dir, 'secret-for-xxe.txt');
fs.writeFileSync(secret, 'XXE-SECRET-CONTENT');
let r = refused('attack-6.3', ['import', file('xxe.docx', docx(`<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://${secret}">]>`,
  para('序号\t事项名称') + para('1\t&x;'))), '--out', 'o.yaml'], /DTD/, 'a .docx with an external entity (XXE)');
check('attack-6.4 the external entity\'s file is read nowhere', !r.out.includes('XXE-SECRET') &&
  !(fs.existsSync(path.join(dir, 'o.yaml')) && fs.readFileSync(path.join(dir, 'o.yaml'), 'utf8').includes('XXE-SECRET')), 'the secret leaked');
refused('attack-6.5', ['import', file('bomb.docx', docx('', para('a'.repeat(65 << 20)))), '--out', 'o.yaml'],
  /document\.xml/, 'a .docx whose document.xml inflates past 64 MiB (zip bomb)');
check('attack-6.6 ... and the zip bomb is small', fs.statSync(path.join(dir, 'bomb.docx')).size < 1 << 20, 'the bomb is large');
// (the reading is linear: 2^17 paragraphs take 6 s on a busy machine, 2^19 18 s)
refused('attack-6.7', ['import', file('paras.docx', docx('', para('a').repeat(20000))), '--out', 'o.yaml'],
  /unrecognized layout|no header row|matters/, 'a .docx of 20000 one-letter paragraphs');

// ---- attack-7: corrupt files ----------------------------------------------------------------------

refused('attack-7.1', ['import', file('corrupt.pdf', Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(8000, 0xff)])), '--out', 'o.yaml'],
  /corrupt\.pdf/, 'a PDF of garbage');
refused('attack-7.2', ['import', file('liar.pdf', '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n' +
  '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 999999999 >> endobj\n' +
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 1e30 1e30] >> endobj\ntrailer << /Root 1 0 R >>\n'), '--out', 'o.yaml'],
/liar\.pdf/, 'a PDF claiming 999999999 pages of 1e30 points');
refused('attack-7.3', ['import', file('corrupt.xls', Buffer.concat([Buffer.from('D0CF11E0A1B11AE1', 'hex'), Buffer.alloc(4096, 0xff)])), '--out', 'o.yaml'],
  /corrupt\.xls/, 'an .xls (OLE2) of garbage');
refused('attack-7.4', ['import', file('notzip.docx', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)])), '--out', 'o.yaml'],
  /notzip\.docx/, 'a .docx that is no zip');
const good = zip({ '[Content_Types].xml': types, 'word/document.xml': `<w:document ${W}><w:body>${para('x')}</w:body></w:document>` });
refused('attack-7.5', ['import', file('truncated.docx', good.subarray(0, good.length - 30)), '--out', 'o.yaml'],
  /truncated\.docx/, 'a .docx cut short');

// ---- attack-8: YAML -----------------------------------------------------------------------------

let lol = 'lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
for (let i = 1; i <= 9; i++) lol += `lol${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
refused('attack-8.1', ['workflow', 'check', file('bomb-wf.yaml', `id: bomb\n${lol}`)], /problem/, 'a workflow of nested YAML aliases (billion laughs)');
const base = fs.readFileSync('workflows/penalty-general.yaml', 'utf8');
refused('attack-8.2', ['workflow', 'check', file('alias-wf.yaml', base.replace('id: penalty-general', 'id: &x penalty-general')
  .replace('\ntitle:', '\ntitle: *x\nx_title:'))], /alias-wf\.yaml:\d+:\d+: YAML aliases \(\*name\) are not accepted/,
'a workflow with one alias, otherwise valid');
refused('attack-8.3', ['workflow', 'check', file('overlay-bomb.yaml', `overlay: penalty-general\n${lol}`)], /problem/,
  'an overlay of nested YAML aliases');
refused('attack-8.4', ['calendar', 'load', file('bomb-cal.yaml', `year: 2031\nrest: &r [2031-01-01]\nwork: *r\n${lol}`)], /bomb-cal\.yaml/,
  'a calendar with YAML aliases');
fs.closeSync(fs.openSync(path.join(dir, 'huge.yaml'), 'w'));
fs.truncateSync(path.join(dir, 'huge.yaml'), 65 << 20);
refused('attack-8.5', ['workflow', 'check', 'huge.yaml'], /huge\.yaml.*larger than 64 MiB/, 'a workflow file of 65 MiB');
// (64 MiB read through stdio: 1.6 s plain, far more under ASan on a busy machine)
refused('attack-8.6', ['workflow', 'check', '/dev/zero'], /\/dev\/zero.*more than 64 MiB/, 'a workflow read from /dev/zero',
  90000);
refused('attack-8.7', ['import', '/dev/zero', '--out', 'o.yaml'], /\/dev\/zero.*more than 64 MiB/, 'an import from /dev/zero',
  90000);

console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
