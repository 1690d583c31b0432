#!/usr/bin/env node
// The builds for environments without WebAssembly (dist/eventsource-wasm.legacy.js, and the ES
// module's fallback to the JavaScript core under a CSP that refuses WebAssembly), in headless
// Chromium (playwright-core), Firefox (geckodriver) and WebKit (WebKitWebDriver) against the real
// test server, the three at once. Also checks that the legacy script is ES5, that it changes no
// global of the page but EventSourceWasm (and EventSource where there was none), and its private
// stand-ins for what old browsers lack (private-checks.mjs, in Node.js).
//
//   node tests/legacy/run.mjs [--browser chromium,firefox,webkit] [--case SUBSTRING] [--dist DIR]
//
// `--dist DIR` serves another build instead of dist/ (e.g. an older one, to see a check fail).
// Prints `N passed, M failed` last; exits non-zero on failure, and when fewer cases ran than the
// browsers × pages × cases the filter selects (or none at all).
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as acorn from 'acorn';
import { BROWSERS, ChromiumSession, FirefoxSession, WebKitSession, startDriver } from '../lib/browsers.mjs';
import { commandLine, oneOf } from '../lib/args.mjs';
import { cleanups, Plan, runSuite } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';
import { freeGlobals } from './free-globals.mjs';
import { checkPrivate } from './private-checks.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let passed = 0;
let failed = 0;
const check = (name, ok, detail = '', ms = undefined) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ms === undefined ? '' : ` (${ms} ms)`}${ok || !detail ? '' : `\n     ${detail}`}`);
};

const opts = commandLine({
  name: 'tests/legacy/run.mjs',
  usage: `node tests/legacy/run.mjs [--browser ${BROWSERS.join(',')}] [--case SUBSTRING] [--dist DIR]`,
  options: { browser: { type: 'string' }, case: { type: 'string' }, dist: { type: 'string' } },
  check: (o) => {
    if (o.browser !== undefined) oneOf('--browser', o.browser, BROWSERS, { list: true });
  },
});
const browsers = opts.browser ? opts.browser.split(',') : [...BROWSERS];
const dist = opts.dist !== undefined ? resolve(opts.dist) : join(root, 'dist');
const plan = new Plan();

// What each case must have logged (entries are kind:readyState[:lastEventId:data]).
const expected = {
  grow: (log) => eq(log, ['big:3000000:x', ...Array.from({ length: 40 }, (_, i) => `${i + 1}:tick ${i + 1}`)]),
  events: (log) => eq(log, ['open:1', 'tick:1:1:tick 1', 'tick:1:2:tick 2', 'tick:1:3:tick 3']),
  relative: (log) => eq(log, ['url:resolved', 'open:1', 'message:1:1:tick 1']),
  // /drop cuts each connection after 2 events by a reset, which can take with it what the browser
  // had not handed over yet (resent after the resume): how the ids split across connections is
  // timing. Guaranteed: ids 1..5 once each, in order; open at OPEN, errors at CONNECTING, messages
  // only while open; at least 3 connections (2 errors). XHR may report a reset right behind the
  // headers as a bare error (no open), so an error may follow an error.
  resume: (log) => {
    const ids = log.filter((e) => e.startsWith('message:')).map((e) => e.split(':')[2]);
    let open = false;
    let errors = 0;
    for (const e of log) {
      if (e.startsWith('open:')) {
        if (open || e !== 'open:1') return `${e} while open, or not at OPEN: ${JSON.stringify(log)}`;
        open = true;
      } else if (e.startsWith('error:')) {
        if (e !== 'error:0') return `${e}: not at CONNECTING: ${JSON.stringify(log)}`;
        errors++;
        open = false;
      } else if (!open || !e.startsWith('message:1:')) {
        return `${e} while not open: ${JSON.stringify(log)}`;
      }
    }
    return eq(ids, ['1', '2', '3', '4', '5']) || (errors >= 2 ? null : `${errors} errors, at least 2 expected: ${JSON.stringify(log)}`);
  },
  retry: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'error:0', 'open:1', 'message:1:2:tick 2', 'gap:ok']),
  // (A native transport, where the page has EventSource, knows no more than 'native'.)
  iterate: (log) => {
    const reason = /^rejected:EventSource failed: (http-status \(HTTP 500\)|native)$/.test(log[4]) ? log[4] : 'rejected:EventSource failed: http-status (HTTP 500)';
    return eq(log, ['1:tick 1', '2:tick 2', '3:tick 3', 'return:true:2', reason]);
  },
  // The engine file is fetched exactly when the source runs on our own transport.
  onuse: (log) => eq(log, ['open:1', 'message:1:1:tick 1', log[2] === 'native:no engine' ? log[2] : 'ours:engine']),
  share: (log) => eq(log, ['a:1:tick 1,2:tick 2,3:tick 3', 'b:1:tick 1,2:tick 2,3:tick 3']),
  first: (log) => eq(log, ['open:1', 'message:tick 1']),
  fail204: (log) => eq(log, ['error:2', 'state:2']),
  fail500: (log) => eq(log, ['error:2', 'state:2']),
  failType: (log) => eq(log, ['error:2', 'state:2']),
  close: (log) => eq(log, ['open:1', 'message:1:1:tick 1', 'closed:2']),
};
function eq(a, b) {
  return JSON.stringify(a) === JSON.stringify(b) ? null : `got ${JSON.stringify(a)}, expected ${JSON.stringify(b)}`;
}

function summarise(changes) {
  const groups = new Map();
  for (const [change, when] of changes) {
    const [, what, key] = /^(\w+ [^.]+(?:\.prototype)?)\.(.*)$/.exec(change) || [, change, ''];
    const head = `after ${when}, ${what}`;
    if (!groups.has(head)) groups.set(head, []);
    groups.get(head).push(key);
  }
  const told = [...groups].map(([head, keys]) => `${head}: ${keys.slice(0, 80).join(', ')}${keys.length > 80 ? ', …' : ''}`);
  return `${changes.size} changes: ${told.join('; ')}`;
}

/** The legacy script, read as text, and its private stand-ins in Node.js. */
async function staticChecks() {
  // The script and the whole engine beside it, which it loads on use.
  for (const file of ['eventsource-wasm.legacy.js', 'eventsource-wasm.legacy-engine.js']) {
    const text = readFileSync(join(dist, file), 'utf8');
    // 1. ES5 syntax only.
    try {
      acorn.parse(text, { ecmaVersion: 5 });
      check(`${file} parses as ES5 (acorn, ecmaVersion 5)`, true);
    } catch (e) {
      check(`${file} parses as ES5 (acorn, ecmaVersion 5)`, false, `${e.message}: …${text.slice(e.pos - 60, e.pos + 60)}…`);
    }

    // 2. Nowhere does it read from the page a global that it keeps private (js/legacy/private.js):
    // where the page has none, or an incomplete one of its own, the script must not depend on it.
    try {
      const free = freeGlobals(text);
      const kept = { Promise: [''], Symbol: [''], queueMicrotask: [''], TextEncoder: [''], TextDecoder: [''], EventTarget: [''], Event: [''],
        MessageEvent: [''], Math: ['imul', 'clz32', 'trunc', 'fround'], Array: ['from'] };
      const read = Object.entries(kept).flatMap(([name, members]) =>
        members.filter((m) => free.has(name) && free.get(name).has(m)).map((m) => (m ? `${name}.${m}` : name)));
      check(`${file} reads none of the globals it keeps private (${Object.keys(kept).join(', ')}) from the page`,
        read.length === 0 && free.has('setTimeout'), read.length ? `it reads ${read.join(', ')}` : 'the analysis found no free global at all (not even setTimeout)');
    } catch (e) {
      check(`${file} reads none of the globals it keeps private from the page`, false, e.message);
    }
  }

  // 3. The private stand-ins, against the real things.
  await checkPrivate(check);
}

// ------------------------------------------------------------------------------------ drivers
// They only load pages: a page runs its case itself (tests/legacy/auto.js) and reports the result
// to the server, since it may have lost the Promise a WebDriver script would need.

class ChromiumPages extends ChromiumSession {
  async load(url) {
    if (this.page) await this.page.close().catch(() => {});
    this.page = await this.context.newPage();
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (!response || !response.ok()) throw new Error(`GET ${url}: HTTP ${response && response.status()}`);
  }
}

const webDriverPages = (Session) => class extends Session {
  start() {
    return super.start({ scriptTimeout: 15_000 });
  }

  load(url) {
    return this.wd.navigate(url);
  }
};
const DRIVERS = { chromium: ChromiumPages, firefox: webDriverPages(FirefoxSession), webkit: webDriverPages(WebKitSession) };
// Tells the browsers' requests apart in the server's log (they run at once).
const USER_AGENT = { chromium: /Chrome\//, firefox: /Firefox\//, webkit: /^(?!.*Chrome).*Safari\// };

/** The report of the page that ran case `key` (auto.js), once the server has it (bounded by `ms`). */
async function pageReport(key, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const entry = server.getLog(key).find((e) => e.method === 'POST');
    if (entry) return JSON.parse(entry.body);
    if (Date.now() > deadline) throw new Error(`the page reported no result within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ------------------------------------------------------------------------------------ the run

let server = null; // the test server (started by main), for pageReport
const csp = encodeURIComponent("script-src 'self'");
// kind: 'stripped' (the legacy script installs EventSource), 'modern' (the legacy script next to
// a native EventSource, which it must leave alone), 'module' (the ES module: `wasm(browser)` says
// whether WebAssembly must be usable in the page).
const pages = [
  { id: 'legacy', name: 'legacy script, no WebAssembly/EventSource/fetch/TextDecoder', path: '/tests/legacy/legacy.html', kind: 'stripped' },
  { id: 'legacy-nopromise', name: 'legacy script, also no Promise/Symbol', path: '/tests/legacy/legacy.html?strip=Promise,Symbol', kind: 'stripped' },
  {
    id: 'legacy-ie',
    name: 'legacy script, as IE11 (also no Promise/Symbol/globalThis/EventTarget/Array.from/typed-array copyWithin, Event and URL not constructible)',
    path: '/tests/legacy/legacy.html?ie=1',
    kind: 'stripped',
  },
  { id: 'legacy-ie-nomo', name: 'legacy script, as IE11 without MutationObserver', path: '/tests/legacy/legacy.html?ie=1&strip=MutationObserver', kind: 'stripped' },
  { id: 'legacy-preloaded', name: 'legacy script, as IE11, its engine file run by the page before it', path: '/tests/legacy/legacy.html?ie=1&preload=1', kind: 'stripped' },
  // The script served alone (/lonely/): its sources must fail, with the reason, and not wait. Only
  // the `first` case, whose log says so; the failed load of the file is the page error expected.
  {
    id: 'legacy-no-engine',
    name: 'legacy script, as IE11, no engine file beside it',
    path: '/tests/legacy/legacy.html?ie=1&dir=/lonely/',
    kind: 'stripped',
    cases: { first: (log) => eq(log, ['error:2:load']) },
    pageErrors: /^error: failed to load http:\/\/[^ ]*\/lonely\/eventsource-wasm\.legacy-engine\.js$/,
  },
  { id: 'modern', name: 'legacy script in an up-to-date page', path: '/tests/legacy/modern.html', kind: 'modern' },
  {
    id: 'csp',
    name: 'ES module under CSP script-src \'self\'',
    // WebKit 2.50 blocks inline scripts under this policy but still compiles WebAssembly (Chromium
    // and Firefox refuse it without 'wasm-unsafe-eval'), so there the wasm build runs.
    webkit: ' (WebKit does not refuse WebAssembly under it: the wasm build runs, not the JavaScript core)',
    path: `/tests/legacy/csp.html?csp=${csp}`,
    kind: 'module',
    wasm: (b) => b === 'webkit',
  },
  { id: 'nowasm', name: 'ES module without WebAssembly', path: '/tests/legacy/nowasm.html', kind: 'module', wasm: () => false },
];

// The cases the filter selects, by name.
const names = Object.keys(expected).filter((n) => !opts.case || n.includes(opts.case));
// Of those, the ones a page runs (a page with `cases` runs those only, with their expectations).
const casesOf = (variant, list) => (variant.cases ? list.filter((n) => n in variant.cases) : list);
// The case names of cases.js, as the first page to report says (they must be those of `expected`).
let caseNames = null;

async function runBrowser(b) {
  // Listed before the browser starts: one that does not start ran none of its cases.
  for (const variant of pages) plan.listed(`${b}: ${variant.id}`, { all: casesOf(variant, Object.keys(expected)).length, selected: casesOf(variant, names).length });
  const driver = new DRIVERS[b]();
  cleanups.push(() => driver.stop());
  const t0 = Date.now();
  if (!(await startDriver(driver, b, check))) {
    await driver.stop();
    return;
  }
  try {
    for (const variant of pages) {
      // What the legacy script changed of the page's globals, once the page was set up and after
      // each case: change → when it was first seen.
      const globalChanges = new Map();
      const noteChanges = (when, changes) => changes.forEach((c) => globalChanges.has(c) || globalChanges.set(c, when));
      const reappeared = new Set();
      let globalsChecked = 0;
      const title = `${b}: ${variant.name}${variant[b] || ''}`;
      const cases = casesOf(variant, names);
      const expect = { ...expected, ...variant.cases };
      for (const name of cases) {
        const label = `${title}: ${name}`;
        const key = `${b}-${variant.id}-${name}-${Date.now().toString(36)}`;
        const url = `${server.url}${variant.path}${variant.path.includes('?') ? '&' : '?'}case=${name}&base=${encodeURIComponent(server.urls[1])}&report=${key}`;
        const started = Date.now();
        try {
          await driver.load(url);
          const { error, log, env, after, pageErrors } = await pageReport(key, 15_000);
          caseNames ??= env && env.caseNames;
          let problem = null;
          if (!env) problem = error;
          else if (env.notStripped.length) problem = `could not remove ${env.notStripped}`;
          else if (variant.kind === 'stripped' && !env.polyfilled) problem = 'the legacy script did not install EventSource';
          else if (variant.kind === 'modern' && (!env.hasLegacy || env.polyfilled)) problem = 'the legacy script did not define EventSourceWasm beside the native EventSource';
          else if (variant.kind === 'module' && env.wasmAllowed !== variant.wasm(b)) problem = variant.wasm(b) ? 'WebAssembly is refused in this page' : 'WebAssembly is still usable in this page';
          else if (variant.kind !== 'module' && (!env.changes || !after || !after.changes)) problem = 'globals.js did not run';
          else {
            const unexpected = pageErrors.filter((e) => !(variant.pageErrors && variant.pageErrors.test(e)));
            problem = error || expect[name](log) || (unexpected.length ? `page errors: ${unexpected.join('; ')}` : null);
          }
          if (env && variant.kind !== 'module' && env.changes && after && after.changes) {
            noteChanges('loading', env.changes);
            noteChanges(name, after.changes);
            [...env.reappeared, ...after.reappeared].forEach((c) => reappeared.add(c));
            globalsChecked++;
          }
          check(label, !problem, problem, Date.now() - started);
        } catch (e) {
          check(label, false, e.message, Date.now() - started);
        } finally {
          plan.ran(`${b}: ${variant.id}`);
        }
      }
      const count = cases.length;
      if (!count) continue;
      if (variant.kind === 'stripped') {
        check(`${title}: what was removed before the script is still missing after it and after each case`,
          reappeared.size === 0 && globalsChecked === count,
          reappeared.size ? `there again: ${[...reappeared].join(', ')}` : `checked ${globalsChecked} of ${count} pages`);
      }
      if (variant.kind !== 'module') {
        const allowed = variant.kind === 'stripped' ? 'EventSourceWasm and EventSource' : 'EventSourceWasm';
        check(`${title}: no global added or changed but ${allowed} (after loading and after each case)`,
          globalChanges.size === 0 && globalsChecked === count,
          globalChanges.size ? summarise(globalChanges) : `checked ${globalsChecked} of ${count} pages`);
      }
    }
    const fetchedCore = server.getLog('').some((e) => e.path === '/dist/eventsource-wasm.core.mjs' && USER_AGENT[b].test(e.headers['user-agent'] || ''));
    if (names.length) check(`${b}: the pages without WebAssembly loaded the JavaScript core (dist/eventsource-wasm.core.mjs)`, fetchedCore);
  } finally {
    await driver.stop();
    console.log(`${b}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

async function main() {
  await staticChecks();
  // The legacy script alone in a folder, without its engine file (the legacy-no-engine page).
  const lonely = mkdtempSync(join(tmpdir(), 'esw-lonely-'));
  cleanups.push(() => rmSync(lonely, { recursive: true, force: true }));
  copyFileSync(join(dist, 'eventsource-wasm.legacy.js'), join(lonely, 'eventsource-wasm.legacy.js'));
  server = await startServer({
    port: 0,
    ports: 1,
    files: { '/dist/': dist, '/lonely/': lonely, '/tests/legacy/': join(root, 'tests/legacy'), '/tests/lib/': join(root, 'tests/lib') },
  });
  cleanups.push(() => server.close());
  const t0 = Date.now();
  // The browsers share the server and nothing else; at once, the suite takes the slowest one's time.
  await Promise.all(browsers.map(runBrowser));
  // The runner's expectations and the pages' cases are one list: a case without an expectation
  // would never run, an expectation without a case would fail.
  if (caseNames) {
    const differ = eq([...caseNames].sort(), Object.keys(expected).sort());
    check('every case of cases.js has an expected log here, and no more', !differ, differ);
  }
  console.log(`time: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

await runSuite(main, { result: check, tally: () => ({ passed, failed }), plan });
