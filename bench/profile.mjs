#!/usr/bin/env node
// Where the time goes: a CPU profile of one client on one workload, summarised by function.
//
//   node bench/profile.mjs [--clients esw-fetch,esw-native] [--workload a] [--top 25] [--minified]
//   node bench/profile.mjs --startup [--clients …] [--top 25] [--minified]   (the first constructor call and first event)
//   [--callers SUBSTRING]: also who calls the functions whose name contains it
//
// Not part of `npm run bench` and not a measurement to quote: the page is attached to DevTools
// (Playwright enables the Network domain, which slows the native EventSource several-fold; the
// Profiler adds its own overhead). Use it for the split between dispatch, parsing (wasm),
// string handling and the browser's own work. By default this package is bundled unminified
// from js/, with a wasm that keeps its function names (wasm-bindgen + wasm-opt -Oz -g on the
// last `npm run build`'s cargo output), so Rust functions show by name; --minified profiles
// dist/index.js.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { startBenchServer } from './server.mjs';
import { buildWorkload, HASH_SEED, HASH_SOURCE } from './workloads.mjs';
import { commandLine, count, usageOf } from './cli.mjs';
import { addCallers, addSelfTimes, buildDebugClient, buildDir, printCallers, printSelfTimes } from './cpu-profile.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const args = commandLine({
  clients: { type: 'string' },
  startup: { type: 'boolean' },
  workload: { type: 'string' },
  top: { type: 'string' },
  minified: { type: 'boolean' },
  callers: { type: 'string' },
}, usageOf(import.meta.url), (v) => {
  count(v, 'top', 1);
  if (v.startup && v.workload !== undefined) throw new Error('--startup profiles the first source, not a workload: --workload does not go with it');
});
const clients = (args.clients ?? 'native,esw-native,esw-fetch').split(',');
// --startup: the cold path instead of a workload: the library is imported before the profile
// starts, then the first source is created (the wasm compiled and instantiated) and its first
// event received.
const startup = !!args.startup;
const workloadId = startup ? 'first' : args.workload ?? 'a';
const top = count(args, 'top', 25);
const minified = !!args.minified;
// --callers SUBSTRING: also print who calls the functions whose name contains it (three frames up).
const callers = args.callers ?? '';

fs.mkdirSync(buildDir, { recursive: true });
const POLY = {
  'event-source-polyfill': "export { EventSourcePolyfill } from 'event-source-polyfill';",
  eventsource: "export { EventSource } from 'eventsource';",
  'fetch-event-source': "export { fetchEventSource } from '@microsoft/fetch-event-source';",
  'eventsource-parser': "export { createParser } from 'eventsource-parser';",
};
for (const [name, contents] of Object.entries(POLY)) {
  if (!clients.includes(name)) continue;
  await esbuild.build({ stdin: { contents, resolveDir: root }, bundle: true, format: 'esm', outfile: path.join(buildDir, `${name}.js`), logLevel: 'warning' });
}
if (!minified) await buildDebugClient();

const w = startup ? { events: 1, types: ['message'] } : buildWorkload(workloadId);
const harness = fs.readFileSync(path.join(here, 'harness.js'), 'utf8');
const pages = new Map();
const server = await startBenchServer({
  workloads: startup ? {} : { [workloadId]: w },
  roots: { '/dist/': path.join(root, 'dist'), '/build/': buildDir },
  page: (token) => `<!doctype html><meta charset="utf-8"><script>const T_START = performance.now();</script><script>const CFG = ${JSON.stringify(pages.get(token))};\n${HASH_SOURCE}\n${harness}</script>`,
  latency: { events: 1, interval: 10 },
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});

for (const client of clients) {
  const token = `p${Math.random().toString(16).slice(2)}`;
  pages.set(token, {
    token, client, mode: startup ? 'startup' : 'throughput', workload: workloadId, events: w.events, timeout: 120_000, types: w.types,
    hashSeed: HASH_SEED, hold: true, eswModule: minified ? '/dist/index.js' : '/build/esw-debug.js',
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: startup ? 10 : 50 });
  const waiting = server.expect(token, 130_000);
  await page.goto(`${server.origin}/page?t=${token}`);
  await page.waitForFunction(() => typeof window.__go === 'function');
  await cdp.send('Profiler.start');
  await page.evaluate(() => window.__go());
  const { result } = await waiting;
  const { profile } = await cdp.send('Profiler.stop');
  await context.close();
  summarise(client, result, profile);
}
await browser.close();
await server.close();

function summarise(client, result, profile) {
  if (callers) printCallers(addCallers(profile, callers), callers);
  const figure = startup ? `constructor ${(result.phases.construct).toFixed(2)} ms, first event after ${result.phases.firstEvent.toFixed(2)} ms` : `${Math.round((w.events / result.elapsed) * 1000)} events/s`;
  console.log(`\n## ${client} on (${workloadId}): ${result.ok ? `${figure} under the profiler` : `FAILED ${result.why || result.error}`}`);
  printSelfTimes(addSelfTimes(profile), top);
}
