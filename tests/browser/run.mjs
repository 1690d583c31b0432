#!/usr/bin/env node
// End-to-end browser suite for the JS EventSource class (see README.md beside this file).
//
//   node tests/browser/run.mjs [--browser chromium|firefox|webkit] [--page ID] [--case SUBSTRING] [--strict] [--dist DIR | --panic-probe DIR] [--repeat N] [--verbose]
//
// Starts the SSE test server (origin A = main port, which also serves /dist/, /tests/browser/,
// /tests/lib/ and /test-output/; origin B = the extra port), bundles tests/browser/bundle-entry.js
// with esbuild, then for each browser loads every page, lists its cases and runs each case ×
// transport in a fresh page load. Chromium is driven by playwright-core, Firefox by geckodriver and
// WebKit by WebKitWebDriver, both through the minimal W3C WebDriver client of tests/lib/browsers.mjs. After each case the event
// logs of the transports are compared (timing and transport-specific notes dropped); they must be
// identical.
// Artefacts (failure screenshots, report.json, the bundles) go to test-output/browser/.
// Exit code 1 on any failure; the last line of output is exactly `N passed, M failed`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSERS, ChromiumSession, FirefoxSession, WebKitSession, startDriver, withTimeout } from '../lib/browsers.mjs';
import { commandLine, integer, oneOf } from '../lib/args.mjs';
import { cleanup, cleanups, deadOrigin, PageErrors, Plan } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
let distDir = path.join(root, 'dist'); // --dist DIR serves another build (e.g. a mutant, to check that cases fail)
const outRoot = path.join(root, 'test-output');
const outDir = path.join(outRoot, 'browser');
const libDir = path.join(root, 'tests', 'lib');

const PAGES = [
  { id: 'module', path: '/tests/browser/index.html' },
  { id: 'global', path: '/tests/browser/global.html' },
  { id: 'global-nonative', path: '/tests/browser/global-nonative.html' },
  { id: 'bundle-esm', path: '/tests/browser/bundle.html?format=esm', bundle: 'esm' },
  { id: 'bundle-iife', path: '/tests/browser/bundle.html?format=iife', bundle: 'iife' },
  { id: 'held', path: '/tests/browser/held.html' },
];
const CASE_TIMEOUT = 30_000; // runner-side; the page gives up on a case after 15 s

// Page errors (uncaught exceptions, unhandled rejections) fail a case, except known browser bugs
// listed here, each with the case that shows it still exists (see PageErrors in ../lib/runner.mjs);
// `--strict` fails on them too. None at present.
const KNOWN_BUGS = [
  // { id, match: /regexp on the page error/, what: 'the browser bug, where it shows', proof: 'case label' }
];

// ------------------------------------------------------------------------------------ arguments

const USAGE = 'node tests/browser/run.mjs [--browser chromium|firefox|webkit] [--page ID] [--case SUBSTRING] [--strict] [--dist DIR | --panic-probe DIR] [--repeat N] [--verbose]\n' +
  `pages: ${PAGES.map((p) => p.id).join(', ')}`;

function parseOptions() {
  const v = commandLine({
    name: 'tests/browser/run.mjs',
    usage: USAGE,
    options: {
      browser: { type: 'string' },
      page: { type: 'string' },
      case: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      strict: { type: 'boolean' },
      dist: { type: 'string' },
      'panic-probe': { type: 'string' },
      repeat: { type: 'string' },
    },
    check: (o) => {
      if (o.browser !== undefined) oneOf('--browser', o.browser, BROWSERS);
      if (o.repeat !== undefined) integer('--repeat', o.repeat);
      if (o['panic-probe'] !== undefined) {
        // The probe build runs one case on one page of its own.
        for (const f of ['dist', 'page', 'case']) if (o[f] !== undefined) throw new Error(`--panic-probe runs its own case and page: --${f} does not go with it`);
      }
      if (o.page !== undefined) oneOf('--page', o.page, PAGES.map((p) => p.id));
    },
  });
  const opts = {
    browsers: v.browser ? [v.browser] : [...BROWSERS],
    page: v.page ?? null,
    case: v.case ?? null,
    verbose: !!v.verbose,
    strict: !!v.strict,
    repeat: v.repeat ? integer('--repeat', v.repeat) : 1,
  };
  if (v.dist !== undefined) distDir = path.resolve(v.dist);
  if (v['panic-probe'] !== undefined) {
    // A build from `node scripts/build.mjs --panic-probe DIR`: only its case, on the module page.
    distDir = path.resolve(v['panic-probe']);
    opts.probe = true;
    opts.case = 'panic-contained';
    PAGES.splice(0, PAGES.length, { id: 'panic-probe', path: '/tests/browser/index.html?probe=panic' });
  }
  return opts;
}

// ------------------------------------------------------------------------------------ reporting

let passed = 0;
let failed = 0;
const plan = new Plan();
let pageErrors = new PageErrors(KNOWN_BUGS);
let interrupted = false; // after SIGINT/SIGTERM: stop recording, clean up, exit
const report = [];

function result(label, ok, detail = '', extra = {}) {
  if (interrupted) return;
  if (ok) passed++;
  else failed++;
  const ms = extra.ms !== undefined ? ` (${extra.ms} ms)` : '';
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${ms}`);
  if (!ok && detail) console.log(indent(detail, '     '));
  report.push({ label, ok, detail, ...extra });
}

const indent = (s, pad) => String(s).split('\n').map((l) => pad + l).join('\n');

/** One line per event, as the page's `brief` writes it. */
function brief(e) {
  const src = e.src ? `${e.src}:` : '';
  const via = e.via ? `[${e.via}] ` : '';
  if (e.type === 'open' || e.type === 'error') return `${src}${via}${e.type}@${e.readyState}`;
  return `${src}${via}${e.type} ${JSON.stringify(e.data)} #${e.lastEventId} @${e.readyState} from ${e.origin}`;
}

function describeLog(log) {
  if (!log || !log.length) return '(no events)';
  return log.map((e) => `${String(e.t ?? '').padStart(5)} ms  ${brief(e)}`).join('\n');
}

/**
 * What must be identical between transports: the events without timing, and the facts. A case
 * whose connections are cut by a reset compares its messages only (`compare: 'messages'`): where
 * a reset lands in the events, and so how many connections there were, is the network's timing.
 */
function normalise(res, mode) {
  return {
    log: (res.log || []).filter((e) => mode !== 'messages' || e.messageEvent).map(({ t, ...rest }) => rest),
    facts: res.facts || {},
  };
}

function diffLines(a, b) {
  const out = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const mark = a[i] === b[i] ? '  ' : '≠ ';
    out.push(`${mark}${(a[i] ?? '—').padEnd(44)} | ${b[i] ?? '—'}`);
  }
  return out.join('\n');
}

const safeName = (s) => s.replace(/[^a-zA-Z0-9._-]+/g, '_');

// ------------------------------------------------------------------------------------ esbuild check

/**
 * Bundles tests/browser/bundle-entry.js, which imports the package by name ('eventsource-wasm',
 * resolved through package.json "exports" to dist/index.js), into one file per format.
 * Returns the formats that built.
 */
async function buildBundles() {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    result('esbuild: load the esbuild package', false, e.message);
    return new Set();
  }
  const ok = new Set();
  for (const format of ['esm', 'iife']) {
    const label = `esbuild: bundle the package (${format}) into one file`;
    const outfile = path.join(outDir, `bundle.${format}.js`);
    try {
      const r = await esbuild.build({
        absWorkingDir: root,
        entryPoints: [path.join(here, 'bundle-entry.js')],
        bundle: true,
        format,
        minify: true,
        target: 'es2020',
        outfile,
        metafile: true,
        write: true,
        logLevel: 'silent',
      });
      const problems = [];
      // In an IIFE, esbuild empties import.meta and warns; dist/index.js reads import.meta.url only
      // to locate its optional JavaScript core and falls back to document.currentScript (its own
      // build silences the same warning). Any other warning fails the check.
      const expected = (w) => format === 'iife' && w.id === 'empty-import-meta';
      const tolerated = r.warnings.filter(expected);
      if (tolerated.length) console.log(`     (esbuild ${format}: ${tolerated.length} expected empty-import-meta warning(s))`);
      r.warnings = r.warnings.filter((w) => !expected(w));
      if (r.warnings.length) problems.push(`warnings:\n${(await esbuild.formatMessages(r.warnings, { kind: 'warning' })).join('\n')}`);
      const outputs = Object.keys(r.metafile.outputs).filter((f) => !f.endsWith('.map'));
      if (outputs.length !== 1) problems.push(`expected one output file, got ${outputs.join(', ')}`);
      const inputs = Object.keys(r.metafile.inputs);
      if (!inputs.includes('dist/index.js')) problems.push(`'eventsource-wasm' did not resolve to dist/index.js; inputs: ${inputs.join(', ')}`);
      // The files the package loads on use (its whole engine, the XHR driver, sharing) come
      // along; nothing else may.
      const strays = inputs.filter((f) => !['dist/index.js', 'dist/engine-full.js', 'dist/share.js', 'dist/xhr.js', 'tests/browser/cases.js', 'tests/lib/page-helpers.js', 'tests/browser/bundle-entry.js'].includes(f));
      if (strays.length) problems.push(`unexpected inputs: ${strays.join(', ')}`);
      if (!problems.length) ok.add(format);
      result(label, !problems.length, problems.join('\n'), { bytes: fs.statSync(outfile).size });
    } catch (e) {
      result(label, false, e.message);
    }
  }
  return ok;
}

// ------------------------------------------------------------------------------------ Chromium

class ChromiumDriver extends ChromiumSession {
  async start() {
    await super.start();
    this.page = await this.context.newPage();
    this.page.setDefaultTimeout(15_000);
  }

  async load(url) {
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (!response || !response.ok()) throw new Error(`GET ${url}: HTTP ${response && response.status()}`);
  }

  list() {
    return this.page.evaluate(async () => {
      await window.__waitReady(10_000);
      return window.__listCases();
    });
  }

  run(name, transport) {
    return this.page.evaluate(async ([n, t]) => {
      await window.__waitReady(10_000);
      return window.__run(n, t);
    }, [name, transport]);
  }

  async screenshot(file) {
    await this.page.screenshot({ path: file });
  }
}

// ------------------------------------------------------------------------------------ Firefox and WebKit (W3C WebDriver)

const webDriverDriver = (Session) => class extends Session {
  start() {
    return super.start({ scriptTimeout: CASE_TIMEOUT });
  }

  load(url) {
    return this.wd.navigate(url);
  }

  list() {
    return this.wd.executeAsync(`
      const done = arguments[arguments.length - 1];
      window.__waitReady(10000).then(() => done({ ok: true, value: window.__listCases() }), (e) => done({ ok: false, error: String(e && e.message || e) }));
    `).then((r) => {
      if (!r.ok) throw new Error(r.error);
      return r.value;
    });
  }

  run(name, transport) {
    return this.wd.executeAsync(`
      const [name, transport, done] = arguments;
      window.__waitReady(10000)
        .then(() => window.__run(name, transport))
        .then(done, (e) => done({ ok: false, error: 'harness: ' + (e && e.message || e), log: [] }));
    `, [name, transport]);
  }

  async screenshot(file) {
    const b64 = await this.wd.screenshot();
    fs.writeFileSync(file, Buffer.from(b64, 'base64'));
  }
};
const DRIVERS = { chromium: ChromiumDriver, firefox: webDriverDriver(FirefoxSession), webkit: webDriverDriver(WebKitSession) };

// ------------------------------------------------------------------------------------ the run

async function runBrowser(driver, { A, B, dead, opts, bundles }) {
  const b = driver.name;
  if (!(await startDriver(driver, b, result))) return;
  const runId = `${b}-${Date.now().toString(36)}`;
  for (const page of PAGES) {
    if (opts.page && page.id !== opts.page) continue;
    if (page.bundle && !bundles.has(page.bundle)) {
      result(`${b} ${page.id}: page skipped, its bundle did not build`, false);
      continue;
    }
    const sep = page.path.includes('?') ? '&' : '?';
    const url = `${A}${page.path}${sep}b=${encodeURIComponent(B)}&dead=${encodeURIComponent(dead)}&run=${runId}-${page.id}`;
    let list;
    try {
      await driver.load(url);
      list = await withTimeout(driver.list(), CASE_TIMEOUT, 'listing the cases');
    } catch (e) {
      result(`${b} ${page.id}: load the page and list its cases`, false, e.message);
      await driver.screenshot(path.join(outDir, safeName(`${b}-${page.id}-load.png`))).catch(() => {});
      continue;
    }
    const group = `${b} ${page.id}`;
    const selected = list.filter((c) => !opts.case || c.name.includes(opts.case));
    plan.listed(group, { all: list.length, selected: selected.reduce((n, c) => n + c.transports.length, 0) * opts.repeat });
    for (const c of selected.flatMap((x) => Array(opts.repeat).fill(x))) {
      if (interrupted) return;
      const runs = {};
      for (const transport of c.transports) {
        const label = `${b} ${page.id} ${c.name} [${transport}]`;
        const started = Date.now();
        let res;
        try {
          await driver.load(url); // a fresh page load for every case
          res = await withTimeout(driver.run(c.name, transport), CASE_TIMEOUT, label);
        } catch (e) {
          res = { ok: false, error: `runner: ${e.message}`, log: [] };
        }
        const ms = Date.now() - started;
        const unknown = pageErrors.triage(label, res.pageErrors);
        if (res.ok && unknown.length) {
          res.ok = false;
          res.error = `errors in the page:\n${unknown.map((e) => indent(e.split('\n').slice(0, 4).join('\n'), '  ')).join('\n')}`;
        }
        let detail = '';
        if (!res.ok) {
          detail = `${res.error}\nevents:\n${indent(describeLog(res.log), '  ')}`;
          const shot = path.join(outDir, safeName(`${b}-${page.id}-${c.name}-${transport}.png`));
          await driver.screenshot(shot).then(() => { detail += `\nscreenshot: ${path.relative(root, shot)}`; }, () => {});
        } else if (opts.verbose) {
          console.log(indent(describeLog(res.log), '       '));
        }
        plan.ran(group);
        result(label, res.ok, detail, { ms, browser: b, page: page.id, case: c.name, transport, log: res.log, facts: res.facts, notes: res.notes });
        runs[transport] = res;
      }
      // Identical sequences: every transport must have produced the same normalised log.
      const done = Object.entries(runs).filter(([, r]) => r.ok);
      if (c.compare && done.length >= 2 && done.length === Object.keys(runs).length) {
        const [refName, ref] = done[0];
        const refN = JSON.stringify(normalise(ref, c.compare));
        const diffs = [];
        for (const [name, r] of done.slice(1)) {
          if (JSON.stringify(normalise(r, c.compare)) === refN) continue;
          const a = normalise(ref, c.compare);
          const o = normalise(r, c.compare);
          diffs.push(`${refName} vs ${name}:\n${indent(diffLines(a.log.map(brief), o.log.map(brief)), '  ')}` +
            (JSON.stringify(a.facts) !== JSON.stringify(o.facts) ? `\n  facts: ${JSON.stringify(a.facts)}\n      vs ${JSON.stringify(o.facts)}` : '') +
            (JSON.stringify(a.log) === JSON.stringify(o.log) ? '' : `\n  entries differ in detail:\n  ${JSON.stringify(a.log)}\n  ${JSON.stringify(o.log)}`));
        }
        result(`${b} ${page.id} ${c.name}: identical ${c.compare === 'messages' ? 'messages' : 'events'} for ${done.map(([n]) => n).join(', ')}`, !diffs.length, diffs.join('\n'));
      }
    }
  }
}

async function main() {
  const opts = parseOptions();
  pageErrors = new PageErrors(KNOWN_BUGS, { strict: opts.strict });
  const started = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of opts.probe ? ['index.js'] : ['index.js', 'eventsource-wasm.global.js']) {
    if (!fs.existsSync(path.join(distDir, f))) {
      result(`dist/${f} exists (run \`npm run build\` first)`, false);
    }
  }
  if (!failed) {
    const bundles = opts.probe ? new Map() : await buildBundles();
    const server = await startServer({ port: 0, ports: 1, files: { '/dist/': distDir, '/tests/browser/': here, '/tests/lib/': libDir, '/test-output/': outRoot } });
    cleanups.push(() => server.close());
    const [A, B] = server.urls;
    const dead = await deadOrigin();
    console.log(`server: A = ${A}, B = ${B}; nothing listens on ${dead}`);
    for (const name of opts.browsers) {
      const driver = new DRIVERS[name]();
      cleanups.push(() => driver.stop());
      try {
        await runBrowser(driver, { A, B, dead, opts, bundles });
      } finally {
        await driver.stop();
      }
    }
  }
  pageErrors.report(result);
  fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify({ report, knownBugs: Object.fromEntries([...pageErrors.seen].map(([k, v]) => [k, [...v]])) }, null, 1));
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s; report: ${path.relative(root, path.join(outDir, 'report.json'))}`);
}

let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  console.log(`${passed} passed, ${failed} failed`);
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) return;
    result(`interrupted by ${sig}`, false);
    interrupted = true;
    cleanup().finally(() => {
      finish();
      process.exit(130);
    });
  });
}

try {
  await main();
} catch (e) {
  result('runner', false, e.stack || e.message);
} finally {
  await cleanup();
}
if (!interrupted) {
  // What the case lists named and did not run, and a run that ran nothing, fail it too.
  for (const [label, detail] of plan.problems()) result(label, false, detail);
  if (passed + failed === 0) result('the run recorded at least one result', false, 'nothing ran');
  finish();
  process.exitCode = failed ? 1 : 0;
}
