#!/usr/bin/env node
// Real environments without a native EventSource, and simulated old browsers (see README.md here).
//
//   node tests/envs/run.mjs [--env node,sw,worker,old] [--browser chromium,firefox,webkit] [--case SUBSTRING]
//                           [--repeat N] [--dist DIR] [--strict] [--verbose]
// (--dist serves another build to the browsers only; Node.js always imports the package itself.)
//
// Starts the SSE test server (tests/server/sse-server.mjs) on two ports, A (which also serves
// /dist/, /tests/envs/ and /tests/lib/) and B = A+1 (another origin), and P, a proxy in front of
// B that paces responses (pacer.mjs), then runs three groups at once:
//   node      a child `node` process importing the package by name ('eventsource-wasm', through a
//             node_modules symlink in a temporary directory), plus the self-reference import and
//             three children without an unhandledRejection handler (does the process survive?);
//   chromium  (playwright-core) the module service worker (with its EventSource, and with it
//             removed), the dedicated module worker for each transport, the legacy script in a
//             classic worker, and the simulated old browsers (old.html?variant=…);
//   firefox   (geckodriver, W3C WebDriver) the same;
//   webkit    (WebKitWebDriver and MiniBrowser, W3C WebDriver) the same.
// Every case runs tests/envs/cases.js inside the environment; results come back as data.
// The last line of output is exactly `N passed, M failed`; the exit code is 1 on any failure.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BROWSERS, startDriver, withTimeout } from '../lib/browsers.mjs';
import { pageSuiteDrivers } from '../lib/page-suite-drivers.mjs';
import { commandLine, integer, oneOf } from '../lib/args.mjs';
import { cleanups, PageErrors, Plan, runSuite } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';
import { startPacer } from './pacer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const distDir = path.join(root, 'dist');
let servedDist = distDir; // --dist DIR: the browsers get another build (a mutant, to check that cases fail)
const outDir = path.join(root, 'test-output', 'envs');
const libDir = path.join(root, 'tests', 'lib');

// Which environment runs which transports. 'auto' also runs the `environment` case.
const WORKER_TRANSPORTS = ['auto', 'fetch', 'xhr', 'longpoll'];
const SW_TRANSPORTS = ['auto', 'fetch'];
const OLD_VARIANTS = ['no-eventsource', 'no-body', 'no-abort', 'xhr-only', 'xhr-noprogress'];

// Uncaught errors in an environment fail the case, except known browser bugs listed here, each
// with the case that shows it still exists (see PageErrors in ../lib/runner.mjs); `--strict` fails
// on them too. None at present. (fetch-cancel-after-abort, an unhandled AbortError after close()
// or a refused response that ended Node.js processes, was a library bug, fixed in 18ba1af: the
// survive-* checks below keep it fixed.)
const KNOWN_BUGS = [
  // { id, match: /regexp on the error line/, what: 'the browser bug, where it shows', proof: 'case label' }
];

// ------------------------------------------------------------------------------------ arguments

const ENVS = ['node', 'sw', 'worker', 'old'];
const USAGE = 'node tests/envs/run.mjs [--env node,sw,worker,old] [--browser chromium,firefox,webkit] [--case SUBSTRING] [--repeat N] [--dist DIR] [--strict] [--verbose]';

function parseOptions() {
  const v = commandLine({
    name: 'tests/envs/run.mjs',
    usage: USAGE,
    options: {
      env: { type: 'string' },
      browser: { type: 'string' },
      case: { type: 'string' },
      strict: { type: 'boolean' },
      dist: { type: 'string' },
      repeat: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    },
    check: (o) => {
      if (o.env !== undefined) oneOf('--env', o.env, ENVS, { list: true });
      if (o.browser !== undefined) oneOf('--browser', o.browser, BROWSERS, { list: true });
      if (o.repeat !== undefined) integer('--repeat', o.repeat);
    },
  });
  if (v.dist !== undefined) servedDist = path.resolve(v.dist);
  return {
    envs: v.env ? v.env.split(',') : [...ENVS],
    browsers: v.browser ? v.browser.split(',') : [...BROWSERS],
    case: v.case ?? '',
    strict: !!v.strict,
    verbose: !!v.verbose,
    repeat: v.repeat ? integer('--repeat', v.repeat) : 1,
  };
}

// ------------------------------------------------------------------------------------ reporting

let passed = 0;
let failed = 0;
const report = [];
const plan = new Plan();
let pageErrors = new PageErrors(KNOWN_BUGS);
const matrix = new Map(); // "env × transport" -> { pass, fail }
const indent = (s, pad = '     ') => String(s).split('\n').map((l) => pad + l).join('\n');

function result(label, ok, detail = '', extra = {}) {
  if (ok) passed++;
  else failed++;
  const ms = extra.ms !== undefined ? ` (${extra.ms} ms)` : '';
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${ms}`);
  if (!ok && detail) console.log(indent(detail));
  if (extra.cell) {
    const m = matrix.get(extra.cell) || { pass: 0, fail: 0 };
    m[ok ? 'pass' : 'fail']++;
    matrix.set(extra.cell, m);
  }
  report.push({ label, ok, detail, ...extra });
}

function brief(e) {
  if (e.type === 'open' || e.type === 'error') return `${e.type}@${e.readyState}${e.type === 'error' ? ` (${e.reason ?? ''} ${e.status ?? ''})` : ''}`;
  return `${e.type} ${JSON.stringify(e.data)} #${e.lastEventId} @${e.readyState}`;
}
const describeLog = (log) => (!log || !log.length ? '(no events)' : log.map((e) => `${String(e.t ?? '').padStart(5)} ms  [${e.transport}] ${brief(e)}`).join('\n'));

/** Reports one case result coming back from an environment (page, worker, service worker, Node). */
function caseResult(label, res, { ms, cell, verbose, group }) {
  const unknown = pageErrors.triage(label, res.errors);
  let ok = !!res.ok;
  let error = res.error || '';
  if (ok && unknown.length) {
    ok = false;
    error = `uncaught errors in the environment:\n${indent(unknown.join('\n'), '  ')}`;
  }
  const detail = ok ? '' : `${error}\nevents:\n${indent(describeLog(res.log), '  ')}`;
  if (group) plan.ran(group);
  result(label, ok, detail, { ms, cell, facts: res.facts, notes: res.notes });
  if (verbose && ok) console.log(indent(describeLog(res.log), '       '));
}

// ------------------------------------------------------------------------------------ Node.js

/** Runs `node args…`; resolves to { code, signal, stdout, stderr, ms } (kills it after `timeout`). */
function runNode(args, { cwd, env = {}, timeout = 60_000, onLine } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (c) => {
      stdout += c;
      partial += c;
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (onLine) onLine(line);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

async function runNodeGroup({ A, B, opts }) {
  const want = (label) => !opts.case || label.includes(opts.case);
  const tail = (s) => s.trim().split('\n').slice(-12).join('\n');

  // 1. From inside the project, the package imports itself by name (package.json "exports").
  if (want('self-reference')) {
    const code = "const m = await import('eventsource-wasm'); console.log(JSON.stringify({ keys: Object.keys(m), resolved: import.meta.resolve('eventsource-wasm') }));";
    const r = await runNode(['--input-type=module', '-e', code], { cwd: root, timeout: 20_000 });
    let ok = false;
    let got = null;
    try {
      got = JSON.parse(r.stdout.trim().split('\n').pop());
      ok = r.code === 0 && got.resolved === pathToFileURL(path.join(distDir, 'index.js')).href && got.keys.includes('EventSource');
    } catch { /* not JSON */ }
    result('node: self-reference: `import(\'eventsource-wasm\')` from the project root resolves to dist/index.js', ok,
      `exit ${r.code}; got ${JSON.stringify(got)}\n${tail(r.stderr)}`, { cell: 'node × import' });
  }

  // 2. A consumer's directory: node_modules/eventsource-wasm -> the project root.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esw-envs-'));
  try {
    fs.mkdirSync(path.join(tmp, 'node_modules'));
    fs.symlinkSync(root, path.join(tmp, 'node_modules', 'eventsource-wasm'), 'dir');
    fs.writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    const child = pathToFileURL(path.join(here, 'node-child.mjs')).href;
    fs.writeFileSync(path.join(tmp, 'entry.mjs'), [
      '// A consumer of the package: written and run by tests/envs/run.mjs.',
      'const before = typeof globalThis.EventSource;',
      "const mod = await import('eventsource-wasm');",
      'const after = typeof globalThis.EventSource;',
      `const { main } = await import(${JSON.stringify(child)});`,
      "await main({ mod, before, after, resolved: import.meta.resolve('eventsource-wasm') });",
      "console.log('DONE');",
      '',
    ].join('\n'));
    let results = 0;
    const r = await runNode(['entry.mjs'], {
      cwd: tmp,
      timeout: 90_000,
      env: { ENVS_A: A, ENVS_B: B, ENVS_ROOT: root, ENVS_CASE: opts.case },
      onLine: (line) => {
        // PLAN {all, selected}: a case list of the child, and how many of it the filter keeps.
        if (line.startsWith('PLAN ')) plan.listed('node: the child process', JSON.parse(line.slice(5)));
        if (!line.startsWith('RESULT ')) return;
        results++;
        const res = JSON.parse(line.slice(7));
        const transport = /\[(\w+)\]$/.exec(res.label)?.[1];
        caseResult(`node: ${res.label}`, res, { ms: res.ms, cell: transport ? `node × ${transport}` : 'node × import', verbose: opts.verbose, group: 'node: the child process' });
      },
    });
    const done = r.stdout.includes('\nDONE\n') || r.stdout.startsWith('DONE\n');
    result('node: the child process ran every case and exited with 0', r.code === 0 && done,
      `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ', killed after 90 s' : ''}; ${results} results\n${tail(r.stderr)}`);

    // 3. A user's process has no unhandledRejection handler: it must survive close() and a failed
    // connection, and exit by itself once the source is closed (nothing left holding it open).
    const survive = [
      ['close() while a fetch stream is open',
        `const es = new EventSource(${JSON.stringify(`${B}/stream?n=5&interval=100&ids=1&key=crash-close`)});
         es.onmessage = () => { es.close(); setTimeout(() => console.log('ALIVE ' + es.readyState), 300); };`],
      ['a 500 response (the connection fails)',
        `const es = new EventSource(${JSON.stringify(`${B}/status?code=500&key=crash-500`)});
         es.onerror = (e) => setTimeout(() => console.log('ALIVE ' + es.readyState + ' ' + e.status), 300);`],
      ['a dropped connection, resumed, then close()',
        `const es = new EventSource(${JSON.stringify(`${B}/drop?after=1&total=2&retry=50&key=crash-drop`)});
         es.onmessage = (e) => { if (e.lastEventId === '2') { es.close(); setTimeout(() => console.log('ALIVE ' + es.readyState), 300); } };`],
    ];
    for (const [what, body] of survive) {
      const label = `node: without an unhandledRejection handler, the process survives ${what} and exits by itself with 0`;
      if (!want(label)) continue;
      const file = `survive-${survive.findIndex((s) => s[0] === what)}.mjs`;
      fs.writeFileSync(path.join(tmp, file), `import { EventSource } from 'eventsource-wasm';\n${body}\n`);
      const s = await runNode([file], { cwd: tmp, timeout: 10_000 });
      const ok = s.code === 0 && /^ALIVE 2\b/m.test(s.stdout);
      result(label, ok, `exit ${s.code}${s.timedOut ? ' (still running after 10 s: something keeps the process alive)' : ''}; stdout: ${JSON.stringify(s.stdout.trim())}\n${tail(s.stderr)}`,
        { ms: s.ms, cell: 'node × fetch' });
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------ drivers

const DRIVERS = pageSuiteDrivers('env', 45_000);

// ------------------------------------------------------------------------------------ browser groups

/** The (environment, page, transports) a browser runs. */
function browserPlan(browser, { B, P, opts }) {
  const b = `${encodeURIComponent(B)}&p=${encodeURIComponent(P)}&browser=${browser}`;
  const plan = [];
  if (opts.envs.includes('sw')) {
    plan.push({ env: 'service-worker', url: `/tests/envs/sw.html?b=${b}`, transports: SW_TRANSPORTS });
    plan.push({ env: 'service-worker-without-eventsource', url: `/tests/envs/sw.html?b=${b}&strip=1`, transports: ['auto'] });
    // eventsource-wasm/whole: the package in one file, the whole engine inside.
    plan.push({ env: 'service-worker-whole-entry', url: `/tests/envs/sw.html?b=${b}&strip=1&entry=whole`, transports: ['auto'] });
  }
  if (opts.envs.includes('worker')) {
    plan.push({ env: 'worker', url: `/tests/envs/worker.html?b=${b}`, transports: WORKER_TRANSPORTS });
    // The legacy script in a classic worker, its engine file run first (tests/envs/legacy-worker.js).
    plan.push({ env: 'legacy-worker', url: `/tests/envs/worker.html?b=${b}&legacy=1`, transports: ['auto', 'xhr'] });
  }
  if (opts.envs.includes('old')) {
    for (const v of OLD_VARIANTS) plan.push({ env: `old:${v}`, url: `/tests/envs/old.html?variant=${v}&b=${b}`, transports: ['auto'] });
  }
  return plan;
}

async function runBrowserGroup(driver, { A, B, P, opts }) {
  const b = driver.name;
  if (!(await startDriver(driver, b, result))) return;
  try {
    for (const { env, url, transports } of browserPlan(b, { B, P, opts })) {
      for (const transport of transports) {
        const cell = `${b} ${env} × ${transport}`;
        // One page load per environment and transport; the cases run one after the other in it.
        let names;
        try {
          const ready = await driver.load(`${A}${url}`);
          if (!ready.ok) throw new Error(ready.error);
          names = await withTimeout(driver.list(transport), 20_000, 'listing the cases');
        } catch (e) {
          result(`${b} ${env} [${transport}]: load the page, start the environment, list the cases`, false, e.message, { cell });
          await driver.screenshot(path.join(outDir, `${b}-${env.replace(/:/g, '-')}-${transport}-load.png`)).catch(() => {});
          continue;
        }
        const group = `${b} ${env} [${transport}]`;
        const selected = names.filter((name) => !opts.case || `${group} ${name}`.includes(opts.case));
        plan.listed(group, { all: names.length, selected: selected.length * opts.repeat });
        for (const name of selected.flatMap((n) => Array(opts.repeat).fill(n))) {
          const label = `${group} ${name}`;
          const started = Date.now();
          let res;
          try {
            res = await withTimeout(driver.run(name, transport), 45_000, label);
          } catch (e) {
            res = { ok: false, error: `runner: ${e.message}`, log: [] };
          }
          caseResult(label, res, { ms: Date.now() - started, cell, verbose: opts.verbose, group });
        }
      }
    }
  } finally {
    await driver.stop();
  }
}

// ------------------------------------------------------------------------------------ main

async function main() {
  const opts = parseOptions();
  pageErrors = new PageErrors(KNOWN_BUGS, { strict: opts.strict });
  const started = Date.now();
  fs.mkdirSync(outDir, { recursive: true });
  const dist = path.join(servedDist, 'index.js');
  if (!fs.existsSync(dist)) {
    result('dist/index.js exists (run `npm run build` first)', false);
    return;
  }
  // A build older than its sources tests yesterday's code: say so (the build is not ours to run).
  const built = fs.statSync(dist).mtimeMs;
  const newer = ['src', 'js'].flatMap((d) => fs.readdirSync(path.join(root, d), { recursive: true }).map((f) => path.join(d, f)))
    .filter((f) => fs.statSync(path.join(root, f)).isFile() && fs.statSync(path.join(root, f)).mtimeMs > built);
  if (newer.length) console.log(`warning: dist/index.js is older than ${newer.join(', ')}; run \`npm run build\` to test the current sources`);

  const server = await startServer({ port: 0, ports: 1, files: { '/dist/': servedDist, '/tests/envs/': here, '/tests/lib/': libDir } });
  cleanups.push(() => server.close());
  const [A, B] = server.urls;
  const pacer = await startPacer({ target: server.ports[1], bytesPerSecond: 6_000_000 });
  cleanups.push(() => pacer.close());
  const P = pacer.url;
  console.log(`server: A = ${A} (pages, same-origin), B = ${B} (cross-origin), P = ${P} (B through a proxy that paces responses at 6 MB/s)`);

  const groups = [];
  const groupNames = [];
  if (opts.envs.includes('node')) {
    groups.push(runNodeGroup({ A, B, opts }));
    groupNames.push('node');
  }
  const browserEnvs = opts.envs.some((e) => e !== 'node');
  for (const name of browserEnvs ? opts.browsers : []) {
    const driver = new DRIVERS[name]();
    cleanups.push(() => driver.stop());
    groups.push(runBrowserGroup(driver, { A, B, P, opts }));
    groupNames.push(name);
  }
  // The groups share the server but nothing else; running them at once keeps the suite short.
  const timed = (name, p) => p.finally(() => console.log(`-- ${name} done after ${((Date.now() - started) / 1000).toFixed(1)} s`));
  await Promise.all(groups.map((g, i) => timed(groupNames[i], g)));

  if (browserEnvs) {
    // The wasm module is inlined in dist/index.js and instantiated synchronously: no page or
    // worker asks for a .wasm file (which the simulated browsers without fetch could not load), nor
    // for the JavaScript core that dist/index.js imports only where WebAssembly cannot run.
    const fetched = server.getLog('').filter((r) => /\.wasm$|core\.mjs$/.test(r.path)).map((r) => r.path);
    result('no environment requested a .wasm file or fell back to the JavaScript core (the inlined wasm ran everywhere)', fetched.length === 0, `requested: ${fetched.join(', ')}`);
  }

  pageErrors.report(result);
  if (matrix.size) {
    console.log('matrix (environment × transport: passed/failed):');
    for (const [cell, m] of [...matrix].sort()) console.log(`  ${cell.padEnd(44)} ${m.pass}/${m.fail}${m.fail ? '  FAIL' : ''}`);
  }
  fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify({ report, knownBugs: Object.fromEntries([...pageErrors.seen].map(([k, v]) => [k, [...v]])) }, null, 1));
  console.log(`total ${((Date.now() - started) / 1000).toFixed(1)} s; report: ${path.relative(root, path.join(outDir, 'report.json'))}`);
}

await runSuite(main, { result, tally: () => ({ passed, failed }), plan });
