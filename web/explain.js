// explain.js -- the day-by-day count of a deadline (clocks[].explain, the lines
// `caseflow case show --explain` prints) in Chinese for the case page. The server
// gives the engine's own lines, the same on the command line and the API (so
// the two can be compared word for word); the page translates the known shapes
// and keeps the original as the line's title. A line of an unknown shape is
// shown as it is: nothing is lost if the engine adds one.

const UNITS = [[/\bworking_days\b/g, '个工作日'], [/\bdays\b/g, '日'], [/\bmonths\b/g, '个月'], [/\bhours\b/g, '小时']];
const LABELS = [[/ ?\(excluded or suspended\)/g, '（扣除或中止的期间）'], [/ ?\(extension\)/g, '（延长）']];

function units(text) {
  let out = text;
  for (const [re, zh] of LABELS.concat(UNITS)) out = out.replace(re, zh);
  return out.replace(/(\d+) (日|个工作日|个月|小时)/g, '$1$2');
}

function why(text) {
  return text === 'weekend' ? '周末' : text.replace(/ holiday$/, '（法定节假日）');
}

/* The rest of a "counted from" line after where it counts from: the date fact
 * (from_fact: an approved plan's end) not given, or ending earlier. */
function fromTail(text) {
  let m = /^; fact '(\S+)' not given$/.exec(text);
  if (m) return `；未记录 ${m[1]}`;
  m = /^; fact '(\S+)' (\S+) ends no later than (\S+), so it does not move it$/.exec(text);
  return m ? `；${m[1]}（${m[2]}）届满不晚于 ${m[3]}，不改变起算点` : text;
}

const SHAPES = [
  [/^counted from the end of fact '(\S+)' (\S+)(?: \(a rest day: the period ends on the next working day, (\S+), R4\))?, later than (?:the end of clock '(\S+)'|its start) \((\S+)\)$/,
    (m) => `自 ${m[1]}（${m[2]}）期限届满之日起算${m[3] ? `（该日为休息日，顺延至 ${m[3]}，R4）` : ''}，晚于${m[4] ? `期限 ${m[4]} 届满` : '起算时'}（${m[5]}）`],
  [/^counted from the end of clock '(\S+)' \((\S+)\)(.*)$/, (m) => `自期限 ${m[1]} 届满（${m[2]}）起算${fromTail(m[3])}`],
  [/^counted from its start(.*)$/, (m) => `自开始计时起算${fromTail(m[1])}`],
  [/^start (\S+): (\S+ \S+) is not counted \(R1\)$/, (m) => `起算 ${m[1]}：${m[2]} 当日不计入（R1）`],
  [/^start (\S+): (.+) run from this instant, with no calendar adjustment \(R6\)$/,
    (m) => `起算 ${m[1]}：${units(m[2])}自该时刻起算，不按日历调整（R6）`],
  [/^(\S+ \S+) day (\d+) \(adjusted working day for (.+)\)$/, (m) => `${m[1]} 第${m[2]}日（${m[3]}调休上班日，计入）`],
  [/^(\S+ \S+) day (\d+) \((.+)\)$/, (m) => `${m[1]} 第${m[2]}日（${m[3]}）`],
  [/^(\S+ \S+) day (\d+)$/, (m) => `${m[1]} 第${m[2]}日`],
  [/^(\S+ \S+) skipped: (.+)$/, (m) => `${m[1]} 不计：${why(m[2])}`],
  [/^(\S+ \S+) is a rest day \((.+)\): the period moves to the next day \(R4\)$/,
    (m) => `${m[1]} 为休息日（${why(m[2])}），期限顺延至下一日（R4）`],
  [/^(\S+ \S+) is a working day(.*): the period ends on it(.*)$/, (m) => `${m[1]} 为工作日，期限届满于该日${m[3] ? m[3].replace(/\s*\((R\d+)\)/, '（$1）') : ''}`],
  [/^(.+) after (\S+): (.+?)(?: \(R7: (.+)\))?$/, (m) => `自 ${m[2]} 起计 ${units(m[1])}：${m[3]}${m[4] ? '（R7：' + m[4] + '）' : ''}`],
  [/^then (\d+) working days after it \(R3\)$/, (m) => `其后再计 ${m[1]} 个工作日（R3）`],
  [/^deadline: end of (\S+) \((.+)\)$/, (m) => `届满：${m[1]} 24时前（${m[2]}）`],
  [/^deadline: (.+)$/, (m) => `届满：${m[1]}`],
  [/^cannot count: (.+)$/, (m) => `无法计算：${m[1]}`],
  [/^recorded under counting version 1 .*; counted once it is (.+)$/,
    (m) => `该期限按旧算法（第1版，在已顺延的届满日上累加）记录；按现行算法一次计算为 ${m[1]}`],
  [/^the recorded deadline differs: .*$/, () => '记录的届满时间与现行日历计算结果不同：日历已更新，`caseflow calendar load` 会重新计算'],
];

/* The Chinese of one explain line, or the line itself when its shape is unknown. */
export function explainZh(line) {
  for (const [re, f] of SHAPES) {
    const m = re.exec(line);
    if (m) return f(m);
  }
  return line;
}

/* A period as the chain writes it ("15 working_days", "30 days") in Chinese. */
export function periodZh(text) {
  return text ? units(String(text)) : text;
}
