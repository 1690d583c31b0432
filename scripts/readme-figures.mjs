#!/usr/bin/env node
// The README's figures, generated: sizes from the last `npm run build` (pkg/sizes.json), speed
// from the last benchmark report (the figures bench/report.mjs leaves at the end of
// bench/results.md). They go between the README's `<!-- figures:NAME -->` and
// `<!-- /figures:NAME -->` markers, so the README can only quote what was last measured.
//
//   node scripts/readme-figures.mjs           rewrite the README's figures
//   node scripts/readme-figures.mjs --check   exit 1 if they differ from what it would write
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './wasm-steps.mjs';

// A mistyped flag is an error, not a rewrite of the README in place of a check.
const USAGE = 'usage: node scripts/readme-figures.mjs [--check]';
let args;
try {
  ({ values: args } = parseArgs({ options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
} catch (e) {
  process.stderr.write(`scripts/readme-figures.mjs: ${e.message}\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const readmeFile = join(root, 'README.md');
const sizesFile = join(root, 'pkg/sizes.json');
const reportFile = join(root, 'bench/results.md');

const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
const ratio = (r) => (r === null || r === undefined ? '–' : `${r.toFixed(2)}×`);
const range = (xs) => {
  const ok = xs.filter((x) => x !== null && x !== undefined);
  if (!ok.length) return '–';
  const lo = Math.min(...ok);
  const hi = Math.max(...ok);
  return lo === hi ? ratio(lo) : `${ratio(lo)}–${ratio(hi)}`;
};

function sizes() {
  if (!existsSync(sizesFile)) throw new Error('pkg/sizes.json is missing: run `npm run build` first');
  const s = JSON.parse(readFileSync(sizesFile, 'utf8'));
  const rows = ['| file | raw | gzip -9 | budget (enforced) | target (#17) |', '|---|--:|--:|--:|--:|'];
  for (const [name, f] of Object.entries(s.files)) {
    rows.push(`| ${name} | ${kb(f.raw)} | ${kb(f.gzip)} | ${kb(f.budget)} | ${kb(f.target)}${f.gzip <= f.target ? ' (met)' : ' (missed)'} |`);
  }
  for (const [name, f] of Object.entries(s.lazy || {})) rows.push(`| ${name} (loaded on first use) | ${kb(f.raw)} | ${kb(f.gzip)} | – | – |`);
  if (s.whole) rows.push(`| dist/whole.js (\`eventsource-wasm/whole\`: all of it in one module) | ${kb(s.whole.raw)} | ${kb(s.whole.gzip)} | – | – |`);
  const front = s.front ? `; its front, inlined in the two first, ${kb(s.front.raw)}, ${kb(s.front.gzip)} gzip` : '';
  rows.push('', `The whole engine (wasm; as text in dist/engine-full.js, see js/engine-text.js): ${kb(s.engine.raw)}, ${kb(s.engine.gzip)} gzip${front}.`);
  return rows.join('\n');
}

function speed() {
  const report = readFileSync(reportFile, 'utf8');
  const m = /<!-- figures (\{.*\}) -->/.exec(report);
  if (!m) throw new Error('bench/results.md has no figures: run `npm run bench` (a full run)');
  const f = JSON.parse(m[1]);
  const LABEL = { 'esw-native': 'native wrapper', 'esw-fetch': 'fetch', 'esw-xhr': 'XHR', 'esw-longpoll': 'long-poll' };
  const rows = [
    `From \`bench/results.md\` (${f.date.slice(0, 10)}, ${f.rounds} round(s)${f.quick ? ', quick run' : ''}; ${f.load}), Chromium, ratios to the browser's own \`EventSource\` over workloads (a)–(f); the report has each workload and the polyfills.`,
    '',
    '| transport | events/s | JS heap growth | latency p50 / p99 | start-up, script → first event | its constructor |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  const native = f.latency.native;
  for (const [c, label] of Object.entries(LABEL)) {
    if (!f.throughput[c]) continue;
    const lat = f.latency[c] && native ? `${(f.latency[c].p50 - native.p50 >= 0 ? '+' : '')}${(f.latency[c].p50 - native.p50).toFixed(2)} / ${(f.latency[c].p99 - native.p99 >= 0 ? '+' : '')}${(f.latency[c].p99 - native.p99).toFixed(2)} ms` : '–';
    const st = f.startup[c];
    const floor = f.startup['empty-module'];
    const startup = st && floor ? `${st.ms} ms (${st.ms - floor.ms >= 0 ? '+' : ''}${(st.ms - floor.ms).toFixed(1)} ms over an empty module + native)` : '–';
    rows.push(`| ${label} | ${range(Object.values(f.throughput[c]))} | ${range(Object.values(f.heap[c]))} | ${lat} | ${startup} | ${st ? `${st.construct} ms` : '–'} |`);
  }
  return rows.join('\n');
}

const blocks = { sizes, speed };
const readme = readFileSync(readmeFile, 'utf8');
let next = readme;
for (const [name, make] of Object.entries(blocks)) {
  const re = new RegExp(`(<!-- figures:${name} -->\\n)[\\s\\S]*?(\\n<!-- /figures:${name} -->)`);
  if (!re.test(next)) throw new Error(`README.md has no <!-- figures:${name} --> … <!-- /figures:${name} --> block`);
  next = next.replace(re, (_, open, close) => `${open}${make()}${close}`);
}
if (args.check) {
  if (next !== readme) {
    console.error('README.md quotes other figures than the last build and benchmark report: run `node scripts/readme-figures.mjs`');
    process.exit(1);
  }
  console.log('README.md quotes the figures of the last build and benchmark report');
} else {
  writeFileSync(readmeFile, next);
  console.log(next === readme ? 'README.md: figures unchanged' : 'README.md: figures updated');
}
