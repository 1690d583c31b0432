#!/usr/bin/env node
// Browser suite for the options beyond the standard (README "Beyond the standard"): request
// headers, method/body, credentials, custom fetch, how the last event ID travels, the
// reconnection policy, heartbeats, page lifecycle, error details, event size limit, async
// iteration and streams, connection sharing in a page and across tabs.
//
//   node tests/options/run.mjs [--browser chromium|firefox|webkit] [--case SUBSTRING] [--strict] [--verbose] [--dist DIR]
//
// Starts the SSE test server itself (origin A = main port, which also serves /dist/,
// /tests/options/ and /tests/lib/; B = A+1, another origin; C = A+2, used only by /seq so that no
// socket is shared with anything else; and a port where nothing listens). Every case runs in a
// fresh page: Chromium through playwright-core (a new page per case; the runner can act for the
// page, e.g. context.setOffline), Firefox (geckodriver) and WebKit (WebKitWebDriver) through the
// small W3C WebDriver client of tests/lib/browsers.mjs (a fresh page load per case). The cross-tab sharing case is driven
// from here, with two pages.
// Exit code 1 on any failure; the last line of output is exactly `N passed, M failed`.
// Needs a build: `npm run build`.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROWSERS, ChromiumSession, FirefoxSession, WebKitSession, startDriver, withTimeout } from '../lib/browsers.mjs';
import { commandLine, oneOf } from '../lib/args.mjs';
import { Check, check, cleanups, deadOrigin, PageErrors, Plan, runSuite, same, waitFor } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
let distDir = path.join(root, 'dist'); // --dist DIR serves another build (a mutant, to check that cases fail)
const libDir = path.join(root, 'tests', 'lib');
const CASE_TIMEOUT = 25_000; // runner side; the page gives up on a case earlier (12 s by default)

// Page errors fail a case, except known browser bugs listed here, each with the case that shows
// it still exists (see PageErrors in ../lib/runner.mjs); `--strict` fails on them too. None at
// present ('fetch-cancel-after-abort', an unhandled AbortError, was a library bug, fixed in 18ba1af
// before it was listed here).
const KNOWN_BUGS = [
  // { id, match: /regexp on the page error/, what: 'the browser bug, where it shows', proof: 'case label' }
];

// ------------------------------------------------------------------------------------ arguments

const USAGE = 'node tests/options/run.mjs [--browser chromium|firefox|webkit] [--case SUBSTRING] [--strict] [--verbose] [--dist DIR]';

function parseOptions() {
  const v = commandLine({
    name: 'tests/options/run.mjs',
    usage: USAGE,
    options: {
      browser: { type: 'string' },
      case: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      strict: { type: 'boolean' },
      dist: { type: 'string' },
    },
    check: (o) => {
      if (o.browser !== undefined) oneOf('--browser', o.browser, BROWSERS);
    },
  });
  if (v.dist !== undefined) distDir = path.resolve(v.dist);
  return { browsers: v.browser ? [v.browser] : [...BROWSERS], case: v.case ?? null, verbose: !!v.verbose, strict: !!v.strict };
}

// ------------------------------------------------------------------------------------ reporting

let passed = 0;
let failed = 0;
const plan = new Plan();
let pageErrors = new PageErrors(KNOWN_BUGS);
const indent = (s, pad) => String(s).split('\n').map((l) => pad + l).join('\n');

function result(label, ok, detail = '', ms) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${ms !== undefined ? ` (${ms} ms)` : ''}`);
  if (!ok && detail) console.log(indent(detail, '     '));
}

// ------------------------------------------------------------------------------------ helpers

const consecutive = (ids) => ids.every((v, i) => i === 0 || v === ids[i - 1] + 1);

// ------------------------------------------------------------------------------------ Chromium

class ChromiumDriver extends ChromiumSession {
  /** A new page (tab) in the shared context; `call(method, ...args)` calls window.__tab[method]. */
  async openTab(url) {
    const page = await this.context.newPage();
    page.setDefaultTimeout(15_000);
    await page.exposeFunction('__runnerHook', (name, arg) => this.hook(name, arg));
    const response = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (!response || !response.ok()) throw new Error(`GET ${url}: HTTP ${response && response.status()}`);
    await page.evaluate(() => window.__waitReady(10_000));
    return {
      call: (method, ...args) => page.evaluate(([m, a]) => window.__tab[m](...a), [method, args]),
      errors: () => page.evaluate(() => [...window.__pageErrors]),
      close: () => page.close(),
      page,
    };
  }

  /** What a page may ask of the runner. */
  async hook(name, arg) {
    if (name === 'setOffline') return this.context.setOffline(Boolean(arg));
    throw new Error(`unknown hook ${name}`);
  }

  async list(url) {
    const tab = await this.openTab(url);
    try {
      return await tab.page.evaluate(() => window.__listCases());
    } finally {
      await tab.close();
    }
  }

  async run(url, name) {
    const tab = await this.openTab(url);
    try {
      return await tab.page.evaluate((n) => window.__run(n), name);
    } finally {
      await tab.close().catch(() => {});
      await this.context.setOffline(false).catch(() => {});
    }
  }
}

// ------------------------------------------------------------------------------------ Firefox and WebKit (W3C WebDriver)

const webDriverDriver = (Session) => class extends Session {
  async start() {
    await super.start({ scriptTimeout: CASE_TIMEOUT });
    this.main = await this.wd.cmd('GET', this.wd.s('/window'));
    this.current = this.main;
  }

  async switchTo(handle) {
    if (this.current === handle) return;
    await this.wd.cmd('POST', this.wd.s('/window'), { handle });
    this.current = handle;
  }

  async exec(script, args = []) {
    const r = await this.wd.executeAsync(`const done = arguments[arguments.length - 1];
        const run = async (...args) => { ${script} };
        run(...Array.prototype.slice.call(arguments, 0, -1)).then((value) => done({ ok: true, value }), (e) => done({ ok: false, error: String(e && e.stack || e) }));`,
      args, CASE_TIMEOUT + 5000);
    if (!r.ok) throw new Error(r.error);
    return r.value;
  }

  async load(url) {
    await this.wd.navigate(url);
    await this.exec('await window.__waitReady(10000);');
  }

  async openTab(url) {
    const { handle } = await this.wd.cmd('POST', this.wd.s('/window/new'), { type: 'tab' });
    await this.switchTo(handle);
    await this.load(url);
    const call = async (method, ...args) => {
      await this.switchTo(handle);
      return this.exec('const [m, a] = args; return window.__tab[m](...a);', [method, args]);
    };
    return {
      call,
      errors: async () => {
        await this.switchTo(handle);
        return this.exec('return [...window.__pageErrors];');
      },
      close: async () => {
        await this.switchTo(handle);
        await this.wd.cmd('DELETE', this.wd.s('/window'));
        this.current = null;
        await this.switchTo(this.main);
      },
    };
  }

  async list(url) {
    await this.switchTo(this.main);
    await this.load(url);
    return this.exec('return window.__listCases();');
  }

  async run(url, name) {
    await this.switchTo(this.main);
    await this.load(url);
    return this.exec('return window.__run(args[0]);', [name]);
  }
};
const DRIVERS = { chromium: ChromiumDriver, firefox: webDriverDriver(FirefoxSession), webkit: webDriverDriver(WebKitSession) };

// ------------------------------------------------------------------------------------ runner-driven cases

/**
 * share: 'tabs': two pages of one origin share one connection; when the leader page goes, the
 * other takes over from the last event ID, with no gap and no repeat.
 */
async function tabsCase(driver, { server, A, pageUrl, runId }, how) {
  const key = `${runId}-tabs-${how}`;
  const url = `${A}/stream?n=100000&interval=20&ids=1&key=${key}`;
  const tabs = [];
  try {
    const p1 = await driver.openTab(pageUrl);
    tabs.push(p1);
    same(await p1.call('start', url), 'fetch', "share: 'tabs' uses our own transport");
    check(await p1.call('waitIds', 2), 'page 1 gets events');
    const p2 = await driver.openTab(pageUrl);
    tabs.push(p2);
    await p2.call('start', url, 100); // page 2 busy for 100 ms after new EventSource()
    check(await p2.call('waitIds', 3), 'page 2 gets events');
    same(server.getLog(key).length, 1, 'one request at the server for both pages');
    same(server.openCount(key), 1, 'one open connection');
    const [s1, s2] = [await p1.call('state'), await p2.call('state')];
    check(consecutive(s1.ids) && s1.ids[0] === 1, `page 1: ids from 1, no gap: ${JSON.stringify(s1.ids)}`);
    check(consecutive(s2.ids), `page 2: no gap: ${JSON.stringify(s2.ids)}`);
    check(s1.ids.includes(s2.ids[0]), `page 2 joined the same stream (${s2.ids[0]} in page 1's ids)`);
    same([s1.opens, s2.opens], [1, 1], 'one open event on each page');
    same([s1.early, s2.early], [[], []], 'no message before open (in readyState CONNECTING) on either page');
    // The leader (page 1, first to ask for the lock) goes away: the page, or its source.
    if (how === 'page') {
      tabs.shift();
      await p1.close();
    } else {
      await p1.call('close');
    }
    const atClose = how === 'source' ? (await p1.call('state')).ids.length : 0;
    const n = (await p2.call('state')).ids.length;
    check(await p2.call('waitIds', n + 6, 8000), 'page 2 keeps receiving after page 1 closed');
    const log = server.getLog(key);
    same(log.length, 2, 'page 2 opened a new connection');
    const used = Number(log[1].lastEventIdUsed);
    same(log[1].lastEventIdSource, 'header', `the takeover request carried the last event ID (same-origin: as Last-Event-ID; it was ${log[1].lastEventIdUsed})`);
    const after = await p2.call('state');
    check(after.ids.includes(used) && after.ids.includes(used + 1), `page 2 had ${used} and then got ${used + 1} from the new connection`);
    check(consecutive(after.ids), `page 2: no gap, no repeat: ${JSON.stringify(after.ids)}`);
    same([after.opens, after.errors, after.readyState], [1, [], 1], 'page 2: no second open, no error, OPEN');
    await waitFor(() => server.openCount(key) === 1, 3000, 'the old connection closed at the server');
    if (how === 'source') {
      const s1after = await p1.call('state');
      same(s1after.readyState, 2, 'page 1: its source is closed');
      same(s1after.ids.length, atClose, 'page 1 got no event after close()');
    }
    await p2.call('close');
    await waitFor(() => server.openCount(key) === 0, 3000, 'closing the last source closed the connection');
    const pageErrors = [];
    for (const tab of tabs) pageErrors.push(...(await tab.errors()));
    return { ok: true, pageErrors };
  } finally {
    for (const tab of tabs) await tab.close().catch(() => {});
  }
}

const RUNNER_CASES = [
  { name: "share: 'tabs': two pages of an origin share one connection; the leader page closes → the other takes over from the last event ID, no gap or repeat", fn: (d, env) => tabsCase(d, env, 'page') },
  { name: "share: 'tabs': the leader page closes its source → the other page takes over from the last event ID, no gap or repeat", fn: (d, env) => tabsCase(d, env, 'source') },
];

// ------------------------------------------------------------------------------------ the run

async function runBrowser(driver, env, opts) {
  const b = driver.name;
  if (!(await startDriver(driver, b, result))) return;
  const runId = `${b}-${Date.now().toString(36)}`;
  const pageUrl = `${env.A}/tests/options/index.html?b=${encodeURIComponent(env.B)}&c=${encodeURIComponent(env.C)}&dead=${encodeURIComponent(env.dead)}&browser=${b}&run=${runId}`;
  let list;
  try {
    list = await withTimeout(driver.list(pageUrl), 30_000, 'listing the cases');
  } catch (e) {
    result(`${b}: load the page and list its cases`, false, e.message);
    return;
  }
  const mine = list.filter((c) => !c.browsers || c.browsers.includes(b));
  const pageCases = mine.filter((c) => !opts.case || c.name.includes(opts.case));
  plan.listed(`${b}: the page's cases`, { all: mine.length, selected: pageCases.length });
  for (const c of pageCases) {
    const label = `${b}: ${c.name}`;
    const started = Date.now();
    let res;
    try {
      res = await withTimeout(driver.run(pageUrl, c.name), CASE_TIMEOUT, label);
    } catch (e) {
      res = { ok: false, error: `runner: ${e.message}`, log: [] };
    }
    const unknown = pageErrors.triage(label, res.pageErrors);
    if (res.ok && unknown.length) {
      res.ok = false;
      res.error = `errors in the page:\n${indent(unknown.join('\n'), '  ')}`;
    }
    const lines = res.log || [];
    // Long logs (a source reconnecting every 50 ms) are cut in the middle.
    const shown = lines.length > 60 ? [...lines.slice(0, 40), `… ${lines.length - 55} more …`, ...lines.slice(-15)] : lines;
    const detail = res.ok ? '' : `${res.error}\nevents:\n${indent(shown.join('\n') || '(none)', '  ')}`;
    plan.ran(`${b}: the page's cases`);
    result(label, res.ok, detail, Date.now() - started);
    if (res.ok && opts.verbose) console.log(indent((res.log || []).join('\n'), '       '));
  }
  const runnerCases = RUNNER_CASES.filter((c) => !opts.case || c.name.includes(opts.case));
  plan.listed(`${b}: the runner's cases`, { all: RUNNER_CASES.length, selected: runnerCases.length });
  for (const c of runnerCases) {
    const label = `${b}: ${c.name}`;
    const started = Date.now();
    let res;
    try {
      res = await withTimeout(c.fn(driver, { ...env, pageUrl, runId }), CASE_TIMEOUT, label);
    } catch (e) {
      res = { ok: false, error: e instanceof Check ? e.message : `runner: ${e.stack || e.message}` };
    }
    const unknown = pageErrors.triage(label, res.pageErrors);
    if (res.ok && unknown.length) {
      res.ok = false;
      res.error = `errors in the page:\n${indent(unknown.join('\n'), '  ')}`;
    }
    plan.ran(`${b}: the runner's cases`);
    result(label, res.ok, res.ok ? '' : res.error, Date.now() - started);
  }
}

async function main() {
  const opts = parseOptions();
  pageErrors = new PageErrors(KNOWN_BUGS, { strict: opts.strict });
  const started = Date.now();
  if (!fs.existsSync(path.join(distDir, 'index.js'))) {
    result('dist/index.js exists (run `npm run build` first)', false);
    return;
  }
  const server = await startServer({ port: 0, ports: 2, files: { '/dist/': distDir, '/tests/options/': here, '/tests/lib/': libDir } });
  cleanups.push(() => server.close());
  const [A, B, C] = server.urls;
  const dead = await deadOrigin();
  console.log(`server: A = ${A}, B = ${B}, C = ${C} (/seq only); nothing listens on ${dead}`);
  const env = { server, A, B, C, dead };
  for (const name of opts.browsers) {
    const driver = new DRIVERS[name]();
    cleanups.push(() => driver.stop());
    const t0 = Date.now();
    try {
      await runBrowser(driver, env, opts);
    } finally {
      await driver.stop();
    }
    console.log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  pageErrors.report(result);
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await runSuite(main, { result, tally: () => ({ passed, failed }), plan });
