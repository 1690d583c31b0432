#!/usr/bin/env node
// `npm run bench`: eventsource-wasm against the browser's own EventSource and the popular
// polyfills, in headless Chromium (Debian's, driven through playwright-core), over a real
// loopback SSE server. Prints a Markdown report and writes it to bench/results.md (raw samples:
// bench/.build/results.json).
//
//   node bench/run.mjs [--quick] [--rounds N] [--latency-rounds N] [--clients a,b] [--only a,b,latency,startup]
//                      [--scale F] [--out FILE] [--build]   (raw samples: bench/.build/results.json, or FILE.json)
//   node bench/run.mjs --from FILE.json [--out FILE]   the report again from a run's raw samples
// (--scale F: the throughput workloads' sizes × F, 0.1 with --quick; an unknown flag is an error)
//
// Each run is one client × one workload in a fresh browser context (its own renderer process),
// created over the browser's CDP session but never attached to, so no DevTools domain (network
// logging in particular, which slows the native class several-fold) is enabled in the page.
// Within a round the clients take turns on each workload (in an order rotated every round);
// figures are medians over the rounds.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { startBenchServer } from './server.mjs';
import { buildWorkload, HASH_SEED, HASH_SOURCE, THROUGHPUT_IDS, WORKLOADS } from './workloads.mjs';
import { formatReport } from './report.mjs';
import { staticImports } from '../scripts/static-imports.mjs';
import { commandLine, count, number, usageOf } from './cli.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const buildDir = path.join(here, '.build');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// ------------------------------------------------------------------------------ options

const args = commandLine({
  quick: { type: 'boolean' },
  rounds: { type: 'string' },
  'latency-rounds': { type: 'string' },
  scale: { type: 'string' },
  clients: { type: 'string' },
  only: { type: 'string' },
  out: { type: 'string' },
  build: { type: 'boolean' },
  from: { type: 'string' },
}, usageOf(import.meta.url), (v) => {
  for (const name of ['rounds', 'latency-rounds']) count(v, name, 1);
  number(v, 'scale', 1);
});
const quick = !!args.quick;
const rounds = count(args, 'rounds', quick ? 1 : 3);
const latencyRounds = count(args, 'latency-rounds', quick ? 1 : Math.min(rounds, 2));
const scale = quick ? 0.1 : number(args, 'scale', 1);
const latency = { events: quick ? 100 : 500, interval: 10 };
const outFile = path.resolve(args.out ?? path.join(here, 'results.md'));
// Raw samples: bench/.build/results.json, or beside the report given with --out.
const jsonFile = args.out !== undefined ? outFile.replace(/\.md$/, '') + '.json' : path.join(buildDir, 'results.json');

const ALL_CLIENTS = ['native', 'esw-native', 'esw-fetch', 'esw-xhr', 'esw-longpoll', 'event-source-polyfill', 'eventsource', 'fetch-event-source', 'eventsource-parser'];
const clients = (args.clients ?? ALL_CLIENTS.join(',')).split(',');
if (!clients.includes('native')) clients.unshift('native');
const only = (args.only ?? [...THROUGHPUT_IDS, 'latency', 'startup'].join(',')).split(',');
const throughputIds = THROUGHPUT_IDS.filter((id) => only.includes(id));
// Start-up also for the classic script (the drop-in global build).
// And for an empty ES module (then the native class): the floor of any client that is a script.
const startupClients = only.includes('startup') ? [...new Set([...clients, ...(clients.some((c) => c.startsWith('esw-')) ? ['esw-global'] : []), 'empty-module'])] : [];

// --from FILE.json: no run, only the report, from the raw samples an earlier run wrote.
if (args.from !== undefined) {
  const saved = JSON.parse(fs.readFileSync(args.from, 'utf8'));
  const present = new Set(saved.runs.map((r) => r.client));
  const savedClients = ALL_CLIENTS.filter((c) => present.has(c));
  const startupSeen = new Set(saved.runs.filter((r) => r.mode === 'startup').map((r) => r.client));
  const report = formatReport({
    meta: saved.meta,
    runs: saved.runs,
    workloads: Object.fromEntries(Object.entries(saved.workloads).map(([id, w]) => [id, { ...WORKLOADS[id], id, events: w.events, body: { length: w.bytes }, dataBytes: w.dataBytes }])),
    clients: savedClients,
    startupClients: [...savedClients, 'esw-global', 'empty-module'].filter((c) => startupSeen.has(c)),
    throughputIds: THROUGHPUT_IDS.filter((id) => saved.workloads[id]),
    sizes: saved.sizes,
    build: saved.build,
    withLatency: saved.runs.some((r) => r.mode === 'latency'),
  });
  fs.writeFileSync(outFile, report);
  console.log(report);
  process.exit(0);
}

// ------------------------------------------------------------------------------ set-up

const started = Date.now();
const cpus = os.cpus();
const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

if (args.build || !fs.existsSync(path.join(root, 'dist/index.js')) || !fs.existsSync(path.join(root, 'dist/eventsource-wasm.global.js'))) {
  log('building the package (npm run build)…');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

// The npm clients, each bundled (minified) into one ES module the page imports.
const POLYFILLS = {
  'event-source-polyfill': { pkg: 'event-source-polyfill', entry: "export { EventSourcePolyfill } from 'event-source-polyfill';" },
  eventsource: { pkg: 'eventsource', entry: "export { EventSource } from 'eventsource';" },
  'fetch-event-source': { pkg: '@microsoft/fetch-event-source', entry: "export { fetchEventSource } from '@microsoft/fetch-event-source';" },
  'eventsource-parser': { pkg: 'eventsource-parser', entry: "export { createParser } from 'eventsource-parser';" },
};
fs.mkdirSync(buildDir, { recursive: true });
const versions = {};
const pkgVersion = (name) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
for (const [name, p] of Object.entries(POLYFILLS)) {
  versions[p.pkg] = pkgVersion(p.pkg);
  await esbuild.build({
    stdin: { contents: p.entry, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    logLevel: 'warning',
    outfile: path.join(buildDir, `${name}.js`),
  });
}
fs.writeFileSync(path.join(buildDir, 'empty.js'), 'export {};\n');
versions['eventsource-wasm'] = `${pkgVersion('..')} (this checkout)`;
for (const tool of ['playwright-core', 'esbuild']) versions[tool] = pkgVersion(tool);

log('generating the workloads…');
const workloads = {};
for (const id of throughputIds) workloads[id] = buildWorkload(id, scale);

const harness = fs.readFileSync(path.join(here, 'harness.js'), 'utf8');
const pages = new Map(); // token → CFG
const page = (token) => {
  const cfg = pages.get(token);
  if (!cfg) return '<!doctype html><title>unknown run</title>';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${cfg.client} ${cfg.workload}</title>
<script>const T_START = performance.now();</script>
<script>const CFG = ${JSON.stringify(cfg)};
${HASH_SOURCE}
${harness}</script>
</head><body></body></html>`;
};

const server = await startBenchServer({
  workloads,
  roots: { '/dist/': path.join(root, 'dist'), '/build/': buildDir },
  page,
  latency,
});

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-extensions',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    '--enable-precise-memory-info', '--js-flags=--expose-gc',
  ],
});
const cdp = await browser.newBrowserCDPSession();
const chromiumVersion = browser.version();

// ------------------------------------------------------------------------------ one run

async function runOne(client, mode, workload, diagnose = false) {
  const token = randomBytes(8).toString('hex');
  const w = workloads[workload];
  const events = mode === 'throughput' ? w.events : mode === 'latency' ? latency.events : 1;
  const timeout = mode === 'latency' ? latency.events * latency.interval + 20_000 : mode === 'startup' ? 15_000 : 60_000;
  pages.set(token, {
    token, client, mode, workload, events, timeout,
    types: mode === 'throughput' ? w.types : ['message'],
    hashSeed: HASH_SEED,
    calibrationRounds: 20,
    diagnose,
  });
  const waiting = server.expect(token, timeout + 10_000);
  const { browserContextId } = await cdp.send('Target.createBrowserContext', { disposeOnDetach: true });
  try {
    const { targetId } = await cdp.send('Target.createTarget', { url: `${server.origin}/page?t=${token}`, browserContextId });
    const { result, streams, files } = await waiting;
    // No DevTools session may be attached to the page while it measures.
    const { targetInfos } = await cdp.send('Target.getTargets');
    const info = targetInfos.find((t) => t.targetId === targetId);
    const attached = Boolean(info && info.attached);
    if (attached) attachedPages++;
    const stream = streams.find((s) => s.name === (mode === 'throughput' ? workload : mode === 'latency' ? 'latency' : 'first'));
    const expected = stream ? stream.hash : null;
    let failure = null;
    if (result.error) failure = result.error;
    else if (!result.ok && result.count < events) failure = `loses events: ${result.count} of ${events} (${result.why})`;
    else if (!result.ok) failure = `${result.why}`;
    else if (result.hash !== expected) failure = `events differ (checksum mismatch after ${events} events)`;
    else if (client.startsWith('esw-') && client !== 'esw-global' && result.transport !== client.slice(4)) failure = `transport is ${result.transport}`;
    // (e): how long after the server's last write the client's last event came (see the report).
    const tail = stream && stream.end && result.lastEventEpoch ? result.lastEventEpoch - stream.end : undefined;
    const serverMs = stream && stream.end ? stream.end - stream.start : undefined;
    return { client, mode, workload, failure, ...result, tail, serverMs, files, reconnects: streams.length - 1, attached, targetType: info && info.type };
  } finally {
    pages.delete(token);
    await cdp.send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
  }
}

// ------------------------------------------------------------------------------ rounds

let attachedPages = 0;
const runs = [];
const plan = [];
for (let r = 0; r < rounds; r++) {
  const rotate = (list) => list.map((_, i) => list[(i + r) % list.length]);
  // Start-up runs are short and noisy: two per client per round.
  for (let k = 0; k < 2; k++) for (const c of rotate(startupClients)) plan.push([r, c, 'startup', 'first']);
  for (const id of throughputIds) for (const c of rotate(clients)) plan.push([r, c, 'throughput', id]);
  if (only.includes('latency') && r < latencyRounds) for (const c of rotate(clients)) plan.push([r, c, 'latency', 'latency']);
}
log(`${plan.length} runs: ${rounds} round(s), ${clients.length} clients, workloads ${throughputIds.join(' ') || '-'}${only.includes('latency') ? `, latency × ${latencyRounds}` : ''}${startupClients.length ? ', start-up' : ''}${quick ? ' (quick: workloads at 10%)' : ''}`);
const loadBefore = os.loadavg();
const loadSamples = [];
const loadTimer = setInterval(() => loadSamples.push(os.loadavg()[0]), 5000);
let done = 0;
for (const [r, client, mode, workload] of plan) {
  const t = Date.now();
  const run = await runOne(client, mode, workload);
  run.round = r;
  runs.push(run);
  done++;
  const what = mode === 'throughput' ? `(${workload})` : mode;
  const figure = run.failure ? `FAILED: ${run.failure}` : mode === 'throughput' ? `${Math.round((workloads[workload].events / run.elapsed) * 1000)} ev/s`
    : mode === 'latency' ? `p50 ${run.p50.toFixed(2)} ms p99 ${run.p99.toFixed(2)} ms` : `${run.startup.toFixed(1)} ms`;
  log(`[${String(done).padStart(3)}/${plan.length}] r${r + 1} ${what.padEnd(9)} ${client.padEnd(22)} ${figure}  (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

// A client that did not deliver the expected events: run it once more, recording every event,
// and say where it first differs.
const diagnosed = new Set();
for (const run of runs) {
  const key = `${run.client} ${run.workload}`;
  if (!run.failure || run.mode !== 'throughput' || run.error || diagnosed.has(key)) continue;
  diagnosed.add(key);
  const d = await runOne(run.client, 'throughput', run.workload, true);
  const detail = d.events ? firstDifference(workloads[run.workload].expected, d.events) : null;
  for (const r of runs) if (r.failure && r.client === run.client && r.workload === run.workload && detail) r.failure += `; ${detail}`;
  log(`diagnosis ${key}: ${detail}`);
}
const loadAfter = os.loadavg();
clearInterval(loadTimer);
loadSamples.push(loadAfter[0]);

function firstDifference(expected, got) {
  const show = (e) => (e ? `{type ${JSON.stringify(e[0])}, lastEventId ${JSON.stringify(e[1])}, ${e[2]} chars of data${e[2] ? ` ${JSON.stringify(e[3])}${e[2] > 24 ? '…' : ''}` : ''}}` : 'nothing');
  const same = (a, b) => a && b && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
  let i = 0;
  while (i < expected.length && i < got.length && same(expected[i], got[i])) i++;
  if (i === expected.length && i === got.length) return 'the rerun delivered the expected events';
  const what = same(got[i], expected[i + 1]) ? 'a lost event' : same(got[i + 1], expected[i]) ? 'an invented event' : 'a different event';
  const invented = got.filter((e) => e[2] === 0).length - expected.filter((e) => e[2] === 0).length;
  return `first difference at event #${i + 1}, ${what}: expected ${show(expected[i])}, got ${show(got[i])}${invented > 0 ? `; ${invented} more empty-data events than expected` : ''}`;
}

await cdp.detach().catch(() => {});
await browser.close();
await server.close();

// ------------------------------------------------------------------------------ sizes

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
async function minified(file) {
  const code = fs.readFileSync(file, 'utf8');
  const esm = /\bexport\s*\{/.test(code);
  const out = await esbuild.transform(code, { minify: true, format: esm ? 'esm' : undefined, target: 'es2020', legalComments: 'none', logLevel: 'silent' });
  // The build already minifies; keep whichever is smaller.
  return out.code.length < code.length ? Buffer.from(out.code) : Buffer.from(code);
}
const sizes = [];
const startupFiles = (client) => {
  const run = runs.find((x) => x.client === client && x.mode === 'startup' && !x.error);
  return run ? run.files : [];
};
const ESW_SIZES = [
  ['esw-native', 'eventsource-wasm, ES module entry and its static imports (the engine\'s front inlined): the native transport', 'dist/index.js', []],
  ['esw-fetch', 'eventsource-wasm, the same on the fetch transport, which loads the whole engine', 'dist/index.js', ['dist/engine-full.js']],
  ['esw-global', 'eventsource-wasm, classic script', 'dist/eventsource-wasm.global.js', []],
];
for (const [client, label, fallback, onUse] of ESW_SIZES) {
  // Whatever the start-up page actually fetched (so a wasm split out of the bundle counts too).
  // (The server tells a run's files by its token, which a module's own imports do not carry: add
  // them as the page loads them, and what it loads on use.)
  let files = startupFiles(client);
  if (!files.length) files = [path.join(root, fallback)];
  files = [...new Set(files.flatMap((f) => (f.endsWith('.js') || f.endsWith('.mjs') ? [...staticImports(f)] : [f])))];
  files.push(...onUse.map((f) => path.join(root, f)).filter((f) => !files.includes(f)));
  let raw = 0;
  let min = 0;
  let gzip = 0;
  for (const f of files) {
    const isJs = f.endsWith('.js') || f.endsWith('.mjs');
    const body = isJs ? await minified(f) : fs.readFileSync(f);
    raw += fs.statSync(f).size;
    min += body.length;
    gzip += gz(body);
  }
  sizes.push({ client, label, files: files.map((f) => path.relative(root, f)), raw, min, gzip });
}
const wasmFile = path.join(root, 'pkg/engine.wasm');
if (fs.existsSync(wasmFile)) {
  const w = fs.readFileSync(wasmFile);
  sizes.push({ client: null, label: '(of which: the whole engine as wasm, before it is written as text)', files: [path.relative(root, wasmFile)], raw: w.length, min: w.length, gzip: gz(w) });
}
for (const name of Object.keys(POLYFILLS)) {
  const f = path.join(buildDir, `${name}.js`);
  const b = fs.readFileSync(f);
  sizes.push({ client: name, label: `${name} (esbuild bundle, minified)`, files: [path.relative(root, f)], raw: b.length, min: b.length, gzip: gz(b) });
}

// ------------------------------------------------------------------------------ report

const meta = {
  date: new Date().toISOString(),
  chromium: chromiumVersion,
  node: process.version,
  cpu: `${cpus.length} × ${cpus[0] ? cpus[0].model.trim() : 'unknown'}`,
  load: `1-minute load average ${loadBefore[0].toFixed(1)} at the start, ${(loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length).toFixed(1)} on average, ${Math.max(...loadSamples).toFixed(1)} at most${Math.max(...loadSamples) > cpus.length ? ` (**more than ${cpus.length}: other work competed for the CPUs**)` : ''}`,
  rounds,
  latencyRounds,
  quick,
  scale,
  latency,
  versions,
  runtime: (Date.now() - started) / 1000,
  attachedPages,
};
const buildSizes = path.join(root, 'pkg/sizes.json');
const build = fs.existsSync(buildSizes) ? JSON.parse(fs.readFileSync(buildSizes, 'utf8')) : null;
const report = formatReport({ meta, runs, workloads, clients, startupClients, throughputIds, sizes, build, withLatency: only.includes('latency') });
fs.writeFileSync(outFile, report);
fs.writeFileSync(jsonFile, JSON.stringify({ meta, sizes, build, runs, workloads: Object.fromEntries(Object.entries(workloads).map(([k, w]) => [k, { events: w.events, bytes: w.body.length, dataBytes: w.dataBytes }])) }, null, 1));
console.log(report);
log(`written to ${path.relative(process.cwd(), outFile)} (raw samples: ${path.relative(process.cwd(), jsonFile)}); ${meta.runtime.toFixed(0)} s`);
