#!/usr/bin/env node
// Conformance of the JS class to the standard and to the coming standard (issue #18; see README.md
// beside this file): every rule, on every transport, in a page, a dedicated worker, a shared
// worker and the legacy script's page, in Chromium, Firefox and WebKit (the three at once).
//
//   node tests/conformance/run.mjs [--browser chromium,firefox,webkit] [--context window,worker,shared,legacy]
//                                  [--transport native,fetch,xhr,longpoll,class] [--case SUBSTRING] [--dist DIR] [--verbose]
//
// Starts the SSE test server (tests/server/sse-server.mjs) on two ports: A serves the pages,
// /dist/ and the cases; B is another origin. A third port where nothing listens gives network
// errors. Each (context, transport) gets one page load, in which its cases run one after the
// other (a case that calls window.stop() gets a page load of its own).
// The run fails when a case fails, when a context lists a case it then does not run, and when it
// ran no check at all. The last line of output is exactly `N passed, M failed`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSERS, startDriver, withTimeout } from '../lib/browsers.mjs';
import { pageSuiteDrivers } from '../lib/page-suite-drivers.mjs';
import { cleanups, deadOrigin, runSuite } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
let distDir = path.join(root, 'dist');
const outDir = path.join(root, 'test-output', 'conformance');
const CONTEXTS = {
  window: { page: '/tests/conformance/window.html', transports: ['native', 'fetch', 'xhr', 'longpoll', 'class'] },
  worker: { page: '/tests/conformance/worker.html?kind=dedicated', transports: ['native', 'fetch', 'xhr', 'longpoll', 'class'] },
  shared: { page: '/tests/conformance/worker.html?kind=shared', transports: ['native', 'fetch', 'xhr', 'longpoll', 'class'] },
  // The legacy script's page has no fetch and no EventSource for the library: XHR only.
  legacy: { page: '/tests/conformance/legacy.html', transports: ['native', 'fetch', 'xhr', 'longpoll', 'class'] },
};
const CASE_TIMEOUT = 50_000; // runner side; a case gives up after 35 s in the page

// ------------------------------------------------------------------------------------ arguments

function parseArgs(argv) {
  const opts = { browsers: [...BROWSERS], contexts: Object.keys(CONTEXTS), transports: null, case: '', verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].includes('=') ? argv[i].split(/=(.*)/s) : [argv[i], undefined];
    const val = () => {
      const v = inline !== undefined ? inline : argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--browser') opts.browsers = val().split(',');
    else if (name === '--context') opts.contexts = val().split(',');
    else if (name === '--transport') opts.transports = val().split(',');
    else if (name === '--case') opts.case = val();
    else if (name === '--dist') distDir = path.resolve(val());
    else if (name === '--verbose' || name === '-v') opts.verbose = true;
    else if (name === '--help' || name === '-h') opts.help = true;
    else throw new Error(`unknown argument: ${argv[i]}`);
  }
  for (const b of opts.browsers) if (!BROWSERS.includes(b)) throw new Error(`--browser: unknown browser ${b}`);
  for (const c of opts.contexts) if (!CONTEXTS[c]) throw new Error(`--context: unknown context ${c}`);
  return opts;
}

// ------------------------------------------------------------------------------------ reporting

let passed = 0;
let failed = 0;
let checks = 0;
const report = [];
const notRun = []; // [label, why]
const indent = (s, pad = '     ') => String(s).split('\n').map((l) => pad + l).join('\n');

function result(label, ok, detail = '', extra = {}) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${extra.ms !== undefined ? ` (${extra.ms} ms)` : ''}`);
  if (!ok && detail) console.log(indent(detail));
  report.push({ label, ok, detail, ...extra });
}

// ------------------------------------------------------------------------------------ drivers

const DRIVERS = pageSuiteDrivers('conf', CASE_TIMEOUT);

// ------------------------------------------------------------------------------------ one browser

const cells = new Map(); // `${rule}` → Map(`${browser} ${context} ${transport}` → 'ok'|'FAIL'|'n/a')
const facts = []; // { browser, context, transport, rule, name, facts }

const RANK = { 'n/a': 0, ok: 1, FAIL: 2 };
/** Records a case's outcome in its rule's cell; a cell shows its worst outcome. */
function mark(rule, cell, state) {
  if (!cells.has(rule)) cells.set(rule, new Map());
  const m = cells.get(rule);
  if (!m.has(cell) || RANK[state] > RANK[m.get(cell)]) m.set(cell, state);
}

async function runBrowser(driver, { A, B, dead, opts }) {
  const b = driver.name;
  if (!(await startDriver(driver, b, result))) return;
  const described = new Set();
  const query = `b=${encodeURIComponent(B)}&dead=${encodeURIComponent(dead)}&browser=${b}`;
  try {
    for (const context of opts.contexts) {
      const { page, transports } = CONTEXTS[context];
      const url = `${A}${page}${page.includes('?') ? '&' : '?'}${query}`;
      for (const transport of transports.filter((t) => !opts.transports || opts.transports.includes(t))) {
        const where = `${b} ${context} [${transport}]`;
        let list;
        try {
          const ready = await driver.load(url);
          if (ready.na) {
            notRun.push([`${b} ${context}`, ready.na]);
            console.log(`n/a  ${where}: ${ready.na}`);
            continue;
          }
          if (!ready.ok) throw new Error(ready.error);
          if (!described.has(`${b} ${context}`)) {
            described.add(`${b} ${context}`);
            const g = ready.info.globals;
            console.log(`-- ${b} ${context}: ${ready.info.scope}; ${Object.keys(g).map((k) => `${k} ${g[k] === 'undefined' ? 'no' : 'yes'}`).join(', ')}; Symbol.dispose ${ready.info.dispose ? 'yes' : 'no'}`);
          }
          list = await withTimeout(driver.list(transport), 20_000, 'listing the cases');
        } catch (e) {
          result(`${where}: load the page, start the context, list the cases`, false, e.message);
          continue;
        }
        list = list.filter((c) => !opts.case || c.name.includes(opts.case));
        const wanted = list.filter((c) => !c.na);
        let ran = 0;
        let stale = false; // the page ran a case that calls window.stop(): load it again
        for (const c of list) {
          const label = `${where} ${c.rule}. ${c.name}`;
          if (c.na) {
            notRun.push([label, c.na]);
            mark(c.rule, `${b} ${context} ${transport}`, 'n/a');
            if (opts.verbose) console.log(`n/a  ${label}: ${c.na}`);
            continue;
          }
          const started = Date.now();
          let res;
          try {
            if (c.fresh || stale) {
              const ready = await driver.load(url);
              if (!ready.ok) throw new Error(ready.error || ready.na);
              stale = c.fresh;
            }
            res = await withTimeout(driver.run(c.name, transport), CASE_TIMEOUT, label);
          } catch (e) {
            res = { ok: false, error: `runner: ${e.message}`, log: [], checks: 0 };
          }
          ran++;
          checks += res.checks || 0;
          let ok = !!res.ok;
          let error = res.error || '';
          if (ok && res.errors && res.errors.length) {
            ok = false;
            error = `uncaught errors in the ${context}:\n${indent(res.errors.join('\n'), '  ')}`;
          }
          const detail = ok ? '' : `${error}\nevents:\n${indent((res.log || []).join('\n') || '(none)', '  ')}`;
          result(label, ok, detail, { ms: Date.now() - started, checks: res.checks, facts: res.facts });
          if (opts.verbose && ok) console.log(indent((res.log || []).join('\n'), '       '));
          mark(c.rule, `${b} ${context} ${transport}`, ok ? 'ok' : 'FAIL');
          if (res.facts && Object.keys(res.facts).length) facts.push({ browser: b, context, transport, rule: c.rule, name: c.name, facts: res.facts });
        }
        if (ran < wanted.length) result(`${where}: ran ${ran} of the ${wanted.length} cases it lists`, false);
      }
    }
  } finally {
    await driver.stop();
  }
}

// ------------------------------------------------------------------------------------ main

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log('usage: node tests/conformance/run.mjs [--browser chromium,firefox,webkit] [--context window,worker,shared,legacy] [--transport native,fetch,xhr,longpoll,class] [--case SUBSTRING] [--dist DIR] [--verbose]');
    return;
  }
  const started = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of ['index.js', 'eventsource-wasm.legacy.js']) {
    if (!fs.existsSync(path.join(distDir, f))) {
      result(`${path.relative(root, path.join(distDir, f))} exists (run \`npm run build\` first)`, false);
      return;
    }
  }
  const server = await startServer({
    port: 0,
    ports: 1,
    files: { '/dist/': distDir, '/tests/conformance/': here, '/tests/lib/': path.join(root, 'tests/lib'), '/tests/legacy/': path.join(root, 'tests/legacy') },
  });
  cleanups.push(() => server.close());
  const [A, B] = server.urls;
  const dead = await deadOrigin();
  console.log(`server: A = ${A} (pages, same-origin), B = ${B} (cross-origin); nothing listens on ${dead}`);

  // The browsers share the server and nothing else: at once, the run takes the slowest one's time.
  await Promise.all(opts.browsers.map(async (name) => {
    const driver = new DRIVERS[name]();
    cleanups.push(() => driver.stop());
    const t0 = Date.now();
    await runBrowser(driver, { A, B, dead, opts });
    console.log(`-- ${name} done after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }));

  if (checks === 0) result('the run made at least one check', false);

  // Which rule holds where: rule → browser context transport.
  console.log('\nrules × (browser context transport): ok / FAIL / n/a');
  for (const [rule, m] of [...cells].sort((x, y) => x[0] - y[0])) {
    const byState = { ok: [], FAIL: [], 'n/a': [] };
    for (const [cell, state] of [...m].sort()) byState[state].push(cell);
    console.log(`  rule ${rule}: ${byState.ok.length} ok, ${byState.FAIL.length} FAIL${byState.FAIL.length ? ` (${byState.FAIL.join('; ')})` : ''}, ${byState['n/a'].length} n/a`);
  }
  if (notRun.length) {
    const why = new Map();
    for (const [, reason] of notRun) why.set(reason, (why.get(reason) || 0) + 1);
    console.log('not run, and why:');
    for (const [reason, n] of why) console.log(`  ${n} × ${reason}`);
  }
  fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify({ report, notRun, facts, checks }, null, 1));
  console.log(`checks made: ${checks}; total ${((Date.now() - started) / 1000).toFixed(1)} s; report: ${path.relative(root, path.join(outDir, 'report.json'))}`);
}

await runSuite(main, { result, tally: () => ({ passed, failed }) });
