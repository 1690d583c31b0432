#!/usr/bin/env node
// The client side alone: every client reads a workload's bytes from memory, not from a server.
// A custom `fetch` hands each client a Response over a byte stream that gives out the workload
// in 64 KiB chunks as fast as the client reads, so what is timed is parsing and delivery
// (the same listener and checksum as in run.mjs), without the loopback server, the network
// stack and the scheduling of a third busy process on a 2-core machine, which make run.mjs's
// run-to-run spread ~50 %. For comparing changes to the parser and the delivery path.
//
//   node bench/pipeline.mjs [--workloads a,b,c,d,f] [--rounds 9] [--clients esw-fetch,eventsource-parser]
//   node bench/pipeline.mjs --profile esw-fetch --workloads a   # where that client's time goes
//   node bench/pipeline.mjs --profile esw-fetch --callers decode  # and who calls `decode`
//   node bench/pipeline.mjs --compare /tmp/old-index.js           # A/B: another build as 'esw-fetch-b'
//
// --profile CLIENT: a CPU profile of CLIENT's runs (DevTools attached: shares, not speeds), by
// function; this package is then bench/.build/esw-debug.js (made here from the last `npm run
// build`'s cargo output, see cpu-profile.mjs), whose wasm keeps its function names.
//
// Not the issue's benchmark: native EventSource (and event-source-polyfill, which uses XHR)
// cannot read from a custom fetch, so there is no ratio to native here. Clients: this package
// (fetch transport, dist/index.js), `eventsource` and `@microsoft/fetch-event-source` (both take
// a `fetch` option), and `eventsource-parser` fed through `TextDecoderStream`.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { buildWorkload, HASH_SEED, HASH_SOURCE } from './workloads.mjs';
import { commandLine, count, usageOf } from './cli.mjs';
import { median } from './report.mjs';
import { addCallers, addSelfTimes, buildDebugClient, printCallers, printSelfTimes } from './cpu-profile.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const args = commandLine({
  workloads: { type: 'string' },
  rounds: { type: 'string' },
  clients: { type: 'string' },
  profile: { type: 'string' },
  callers: { type: 'string' },
  compare: { type: 'string' },
}, usageOf(import.meta.url), (v) => count(v, 'rounds', 1));
const ids = (args.workloads ?? 'a,b,c,d,f').split(',');
const rounds = count(args, 'rounds', 9);
const clients = (args.clients ?? 'esw-fetch,eventsource-parser,eventsource,fetch-event-source').split(',');
const profiled = args.profile ?? '';
const callers = args.callers ?? '';
// --compare FILE: another build of dist/index.js, run as one more client, 'esw-fetch-b'.
const compare = args.compare ?? '';
if (compare && !clients.includes('esw-fetch-b')) clients.splice(1, 0, 'esw-fetch-b');
const eswEntry = profiled ? await buildDebugClient() : path.join(root, 'dist/index.js');

// One script with every client, built from the same sources as the loopback benchmark's.
const entry = `
export { EventSource as Esw } from ${JSON.stringify(eswEntry)};
${compare ? `export { EventSource as EswB } from ${JSON.stringify(path.resolve(compare))};` : ''}
export { createParser } from 'eventsource-parser';
export { EventSource as EventSourceNpm } from 'eventsource';
export { fetchEventSource } from '@microsoft/fetch-event-source';
`;
const bundle = await esbuild.build({
  stdin: { contents: entry, resolveDir: root, loader: 'js' },
  bundle: true, minify: true, format: 'iife', globalName: 'clients', target: 'es2020', write: false,
  logLevel: 'error', logOverride: { 'empty-import-meta': 'silent' },
});
const script = bundle.outputFiles[0].text;

// The page and the workloads' bytes come from a loopback server once per workload; the timed
// runs read them from memory.
const bodies = {};
const server = http.createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return res.end('<!doctype html><meta charset="utf-8"><title>pipeline</title>');
  }
  const body = bodies[req.url.slice(1)];
  if (!body) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
  res.end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc'] });
const page = await browser.newPage();
await page.goto(`${origin}/`);
await page.addScriptTag({ content: `${HASH_SOURCE}\n${script}` });
const cdp = profiled ? await page.context().newCDPSession(page) : null;
const selfTime = new Map();
const callerTime = new Map();
if (cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
}
function addProfile(profile) {
  addSelfTimes(profile, selfTime);
  if (callers) addCallers(profile, callers, callerTime);
}

// In the page: run(client, workload) → { ms, count, hash }.
await page.evaluate(() => {
  const headers = { 'Content-Type': 'text/event-stream' };
  const CHUNK = 64 * 1024;
  // A fresh byte stream over the bytes in memory, as a custom fetch's Response.
  const memoryFetch = (bytes) => () => {
    let at = 0;
    const stream = new ReadableStream({
      type: 'bytes',
      pull(c) {
        if (at >= bytes.length) { c.close(); return; }
        c.enqueue(bytes.slice(at, at + CHUNK));
        at += CHUNK;
      },
    });
    return Promise.resolve(new Response(stream, { headers }));
  };
  const esw = (Ctor, fetch, types, onEvent) => {
    const es = new Ctor('http://127.0.0.1/memory', { transport: 'fetch', fetch });
    const listener = (e) => onEvent(e.type, e.data, e.lastEventId);
    for (const t of types) es.addEventListener(t, listener);
    return () => es.close();
  };
  const OPEN = {
    'esw-fetch': (fetch, types, onEvent) => esw(window.clients.Esw, fetch, types, onEvent),
    'esw-fetch-b': (fetch, types, onEvent) => esw(window.clients.EswB, fetch, types, onEvent),
    eventsource: (fetch, types, onEvent) => {
      const es = new window.clients.EventSourceNpm('http://127.0.0.1/memory', { fetch });
      const listener = (e) => onEvent(e.type, e.data, e.lastEventId);
      for (const t of types) es.addEventListener(t, listener);
      return () => es.close();
    },
    'fetch-event-source': (fetch, types, onEvent) => {
      const ctrl = new AbortController();
      let lastId = '';
      window.clients.fetchEventSource('http://127.0.0.1/memory', {
        fetch, signal: ctrl.signal, openWhenHidden: true,
        onmessage(m) { if (m.id) lastId = m.id; onEvent(m.event || 'message', m.data, lastId); },
        onclose() { throw new Error('closed'); },
        onerror(err) { throw err; },
      }).catch(() => {});
      return () => ctrl.abort();
    },
    'eventsource-parser': (fetch, types, onEvent) => {
      let lastId = '';
      let stop = false;
      const parser = window.clients.createParser({
        onId(id) { lastId = id; },
        onEvent(e) { onEvent(e.event || 'message', e.data, lastId); },
      });
      (async () => {
        const res = await fetch();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        while (!stop) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      })();
      return () => { stop = true; };
    },
  };
  window.bodies = {};
  window.run = (client, id, events, types, seed) => new Promise((resolve) => {
    const fetch = memoryFetch(window.bodies[id]);
    let count = 0;
    let hash = seed;
    let close = null;
    const t0 = performance.now();
    const timer = setTimeout(() => { if (close) close(); resolve({ ms: NaN, count, hash }); }, 60_000);
    close = OPEN[client](fetch, types, (type, data, id_) => {
      hash = hashEvent(hash, type, data, id_);
      if (++count === events) {
        const ms = performance.now() - t0;
        clearTimeout(timer);
        close();
        resolve({ ms, count, hash });
      }
    });
  });
});

const rows = [];
for (const id of ids) {
  const w = buildWorkload(id);
  bodies[id] = w.body;
  await page.evaluate(async (id) => { window.bodies[id] = new Uint8Array(await (await fetch(`/${id}`)).arrayBuffer()); }, id);
  const times = Object.fromEntries(clients.map((c) => [c, []]));
  const failed = {};
  for (let r = 0; r < rounds; r++) {
    // Clients interleaved, rotated each round.
    for (const c of clients.map((_, k) => clients[(k + r) % clients.length])) {
      await page.evaluate(() => { if (typeof gc === 'function') gc(); });
      if (c === profiled) await cdp.send('Profiler.start');
      const res = await page.evaluate(([c, id, n, types, seed]) => window.run(c, id, n, types, seed), [c, id, w.events, w.types, HASH_SEED]);
      if (c === profiled) addProfile((await cdp.send('Profiler.stop')).profile);
      if (res.count !== w.events || res.hash !== w.hash) failed[c] = `${res.count} of ${w.events} events${res.count === w.events ? ', checksum differs' : ''}`;
      else times[c].push(res.ms);
    }
  }
  const cells = clients.map((c) => {
    if (failed[c]) return `✗ ${failed[c]}`;
    const t = times[c];
    const s = [...t].sort((a, b) => a - b);
    const rate = (w.events / median(t)) * 1000;
    const q1 = (w.events / s[Math.ceil((s.length - 1) * 0.75)]) * 1000;
    const q3 = (w.events / s[Math.floor((s.length - 1) * 0.25)]) * 1000;
    return `${Math.round(rate / 1000)}k (${Math.round(q1 / 1000)}–${Math.round(q3 / 1000)}k)`;
  });
  rows.push(`| ${w.title} | ${cells.join(' | ')} |`);
  console.error(rows[rows.length - 1]);
  delete bodies[id];
  await page.evaluate((id) => { delete window.bodies[id]; }, id);
}
await browser.close();
server.close();
if (profiled) {
  console.log(`\n${profiled}, under the profiler, by function (self time):`);
  if (callers) printCallers(callerTime, callers);
  printSelfTimes(selfTime, 30);
}
console.log(`\nEvents/s, median of ${rounds} rounds (interquartile range), bytes from memory (bench/pipeline.mjs):\n`);
console.log(`| workload | ${clients.join(' | ')} |`);
console.log(`|---|${clients.map(() => '--:').join('|')}|`);
for (const r of rows) console.log(r);
