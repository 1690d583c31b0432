#!/usr/bin/env node
// Reliability suite: hostile servers, faults, many sources and leaks (see README.md beside this file).
//
//   node tests/reliability/run.mjs [--case SUBSTRING] [--transport fetch|xhr|native] [--strict] [--verbose]
//
// Starts the SSE test server (tests/server/sse-server.mjs) on 127.0.0.1 with 21 extra ports (20 for
// the 100-sources case, one more for the server-restart case), serving /dist/, /tests/lib/ and this
// directory; launches Debian's Chromium through playwright-core (with --expose-gc and precise
// memory info for the memory cases); lists the cases of page.html and runs each case × transport
// in a fresh page.
// Every check a case records is one test; a case that records none fails, and so does a run in
// which fewer cases ran than the filters select. Page errors fail the case, except known browser
// bugs listed with the case that shows them (none at present; `--strict` fails on them too).
// Artefacts: test-output/reliability/report.json. Exit code 1 on any failure; the last line of
// output is exactly `N passed, M failed`.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, withTimeout } from '../lib/browsers.mjs';
import { commandLine, oneOf } from '../lib/args.mjs';
import { cleanups, PageErrors, Plan, runSuite } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const distDir = path.join(root, 'dist');
const outDir = path.join(root, 'test-output', 'reliability');
const libDir = path.join(root, 'tests', 'lib');
const EXTRA_PORTS = 21;
const CASE_TIMEOUT = 90_000;
// Chromium's flags beyond the usual ones (tests/lib/browsers.mjs): for the memory cases,
// window.gc(), and performance.memory without its coarse quantisation.
const EXTRA_ARGS = ['--js-flags=--expose-gc', '--enable-precise-memory-info'];

// Page errors fail the case, except known browser bugs listed here, each with the case that shows
// it still exists (see PageErrors in ../lib/runner.mjs); `--strict` fails on them too. None at
// present.
const KNOWN_BUGS = [
  // { id, match: /regexp on the page error/, what: 'the browser bug, where it shows', proof: 'case label' }
];

// ------------------------------------------------------------------------------------ arguments

const USAGE = 'node tests/reliability/run.mjs [--case SUBSTRING] [--transport fetch|xhr|native] [--strict] [--verbose]';

function parseOptions() {
  const v = commandLine({
    name: 'tests/reliability/run.mjs',
    usage: USAGE,
    options: {
      case: { type: 'string' },
      transport: { type: 'string' },
      strict: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
    },
    check: (o) => {
      if (o.transport !== undefined) oneOf('--transport', o.transport, ['fetch', 'xhr', 'native']);
    },
  });
  return { case: v.case ?? null, transport: v.transport ?? null, strict: !!v.strict, verbose: !!v.verbose };
}

// ------------------------------------------------------------------------------------ reporting

let passed = 0;
let failed = 0;
const report = [];
const plan = new Plan();
const indent = (s, pad = '     ') => String(s).split('\n').map((l) => pad + l).join('\n');

function result(label, ok, detail = '', extra = {}) {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
  if (!ok && detail) console.log(indent(detail));
  report.push({ label, ok, detail, ...extra });
}

// ------------------------------------------------------------------------------------ server checks

/** GET from Node: { status, body, error } (error: the socket failed mid-body). */
function get(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), error: e.code || e.message }));
      res.on('aborted', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), error: 'aborted' }));
    });
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.code || e.message }));
  });
}

/** The fault endpoints the browser cases rely on do what they say (a few quick checks from Node). */
async function serverChecks(server) {
  const A = server.url;
  const eq = (label, actual, expected) => {
    const a = JSON.stringify(actual);
    const e = JSON.stringify(expected);
    result(`server: ${label}`, a === e, `expected ${e}\nactual   ${a}`);
  };
  let r = await get(`${A}/fault?total=3&cuts=2:9&how=end&retry=none`);
  eq('/fault cuts=2:9 how=end sends event 1 and 9 bytes of event 2', r.body, 'id: 1\ndata: tick 1\n\nid: 2\ndat');
  r = await get(`${A}/fault?total=3&cuts=2:-1&how=drop&eol=crlf&retry=none`);
  eq('/fault cuts=2:-1 how=drop (CRLF) cuts between CR and LF by a reset', [r.body.endsWith('tick 2\r\n\r'), !!r.error], [true, true]);
  const p = server.ports.at(-1);
  r = await get(`${A}/restart?port=${p}&down=200`);
  const during = await get(`http://127.0.0.1:${p}/page`);
  await new Promise((res) => setTimeout(res, 400));
  const afterwards = await get(`http://127.0.0.1:${p}/page`);
  eq('/restart: refused while down, served again after', [r.status, during.error, afterwards.status], [200, 'ECONNREFUSED', 200]);
}

// ------------------------------------------------------------------------------------ the run

async function main() {
  const opts = parseOptions();
  const pageErrors = new PageErrors(KNOWN_BUGS, { strict: opts.strict });
  const started = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  if (!fs.existsSync(path.join(distDir, 'index.js'))) {
    result('dist/index.js exists (run `npm run build` first)', false);
    return;
  }
  const server = await startServer({ port: 0, ports: EXTRA_PORTS, files: { '/dist/': distDir, '/tests/reliability/': here, '/tests/lib/': libDir } });
  cleanups.push(() => server.close());
  console.log(`server: ${server.url} and ${server.ports.length - 1} extra ports (${server.ports[1]}..${server.ports.at(-1)})`);
  await serverChecks(server);

  const browser = await launchChromium(EXTRA_ARGS);
  cleanups.push(() => withTimeout(browser.close(), 10_000, 'closing chromium').catch(() => {}));
  const context = await browser.newContext();
  const runId = Date.now().toString(36);
  const pageUrl = (tag) => `${server.url}/tests/reliability/page.html?ports=${EXTRA_PORTS}&run=${runId}-${tag}`;

  const open = async (tag) => {
    const page = await context.newPage();
    page.setDefaultTimeout(CASE_TIMEOUT);
    const state = { crashed: false };
    page.on('crash', () => { state.crashed = true; });
    const response = await page.goto(pageUrl(tag), { waitUntil: 'load', timeout: 15_000 });
    if (!response || !response.ok()) throw new Error(`GET ${pageUrl(tag)}: HTTP ${response && response.status()}`);
    await page.evaluate(() => window.__waitReady(10_000));
    return { page, state };
  };

  let list;
  {
    const { page } = await open('list');
    list = await page.evaluate(() => window.__listCases());
    await page.close();
  }

  const runs = list.flatMap((c) => c.transports.map((transport) => ({ c, transport })));
  const selected = runs.filter(({ c, transport }) => (!opts.case || c.name.includes(opts.case)) && (!opts.transport || transport === opts.transport));
  plan.listed('the cases of page.html × transports', { all: runs.length, selected: selected.length });
  for (const { c, transport } of selected) {
    const label = `${c.name} [${transport}]`;
    const t0 = Date.now();
    let res;
    let page;
    let state = { crashed: false };
    try {
      ({ page, state } = await open(`${c.name}-${transport}`));
      res = await withTimeout(page.evaluate(([n, tr]) => window.__run(n, tr), [c.name, transport]), CASE_TIMEOUT, label);
      // The tab must still be alive and responsive after the case.
      const alive = await withTimeout(page.evaluate(() => 6 * 7), 5000, 'liveness probe');
      if (alive !== 42) throw new Error('the page did not answer the liveness probe');
    } catch (e) {
      res = { ...(res || {}), checks: res ? res.checks : [], error: `${state.crashed ? 'THE TAB CRASHED. ' : ''}runner: ${e.message}` };
    } finally {
      if (page) await page.close().catch(() => {});
    }
    const ms = Date.now() - t0;
    const unknown = pageErrors.triage(label, res.pageErrors);
    plan.ran('the cases of page.html × transports');
    for (const check of res.checks || []) result(`${label} ${check.name}`, check.ok, check.detail, { case: c.name, transport });
    if (res.error || unknown.length) {
      const detail = [res.error, unknown.length ? `errors in the page:\n${indent(unknown.join('\n'), '  ')}` : '',
        res.log ? `events:\n${res.log.map((l) => `  ${l.url}\n${indent(l.events.join('\n'), '    ')}`).join('\n')}` : ''].filter(Boolean).join('\n');
      result(`${label}: the case ran to its end without page errors`, false, detail, { case: c.name, transport });
    } else if (!(res.checks || []).length) {
      // A case that checks nothing would pass unseen: it fails instead.
      result(`${label}: the case recorded at least one check`, false, 'it ended without an error and without a check');
    }
    const info = res.info && Object.keys(res.info).length ? ` ${JSON.stringify(res.info)}` : '';
    console.log(`     ${label}: ${ms} ms${info}`);
    report.push({ case: c.name, transport, ms, info: res.info });
  }
  pageErrors.report(result);
  fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify({ report, knownBugs: Object.fromEntries([...pageErrors.seen].map(([k, v]) => [k, [...v]])) }, null, 1));
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s; report: ${path.relative(root, path.join(outDir, 'report.json'))}`);
}

await runSuite(main, { result, tally: () => ({ passed, failed }), plan });
