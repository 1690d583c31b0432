#!/usr/bin/env node
// The Rust example application (examples/app/) as its user ships it, in headless Chromium and
// Firefox against the SSE test server.
//
//   node tests/app/run.mjs [--browser chromium|firefox] [--no-build]
//
// 1. Builds it with `wasm-pack build --target web --release` into test-output/app/pkg, then
//    wasm-opt -Oz (the npm `binaryen` package), and reports the sizes of the wasm and its
//    JavaScript glue (raw and gzip), which README.md quotes.
// 2. Serves test-output/app/ from the test server itself, so the page and the streams share an
//    origin (the last event ID travels as the standard's header), and for each browser:
//    - header and body: the application's POST with `Authorization` reaches the server as sent;
//    - resume: a stream the server drops after every second event is followed to its fifth
//      event, each exactly once and in order, every reconnect resuming after the last event
//      seen (`Last-Event-ID`), with the header and the body again;
//    - drop closes: once the application has its events it drops the source, and the server
//      sees the stream closed;
//    - failure: a stream that fails for good (HTTP 500) rejects with the source's error.
// The last line of output is exactly `N passed, M failed`; the exit code is 1 on any failure.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';
import { ChromiumSession, FirefoxSession, withTimeout } from '../lib/browsers.mjs';
import { Check, check, cleanups, runSuite, same, waitFor } from '../lib/runner.mjs';
import { startServer } from '../server/sse-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const appDir = path.join(root, 'examples/app');
const outDir = path.join(root, 'test-output/app');
const pkgDir = path.join(outDir, 'pkg');
const NAME = 'eventsource_wasm_example_app';
const CASE_TIMEOUT = 30_000;

const args = process.argv.slice(2);
let browsers = ['chromium', 'firefox'];
let build = true;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--browser') browsers = [args[++i]];
  else if (args[i] === '--no-build') build = false;
  else {
    console.error(`unknown argument: ${args[i]}\nusage: node tests/app/run.mjs [--browser chromium|firefox] [--no-build]`);
    process.exit(2);
  }
}

let passed = 0;
let failed = 0;
function result(label, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}`);
  if (!ok && detail) console.log(String(detail).split('\n').map((l) => `     ${l}`).join('\n'));
}

// ------------------------------------------------------------------------------------ build

const env = { ...process.env, PATH: `${process.env.HOME}/.cargo/bin:${root}/node_modules/.bin:${process.env.PATH}` };

function buildApp() {
  // The crate's own Cargo.lock names the wasm-bindgen CLI scripts/setup installs; the app's must
  // name the same, or wasm-pack would try to download another.
  const locked = (file) => /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(fs.readFileSync(file, 'utf8'))?.[1];
  const ours = locked(path.join(root, 'Cargo.lock'));
  const apps = locked(path.join(appDir, 'Cargo.lock'));
  if (ours !== apps) throw new Error(`examples/app/Cargo.lock has wasm-bindgen ${apps}, Cargo.lock ${ours}: make them agree`);
  fs.rmSync(pkgDir, { recursive: true, force: true });
  execFileSync('wasm-pack', ['build', appDir, '--target', 'web', '--release', '--no-pack', '--no-typescript', '--out-dir', pkgDir], {
    cwd: root,
    env: { ...env, CARGO_TARGET_DIR: path.join(root, 'target/example-app') },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const wasm = path.join(pkgDir, `${NAME}_bg.wasm`);
  // The post-MVP features rustc's wasm32 target enables by default.
  const features = ['--enable-bulk-memory', '--enable-bulk-memory-opt', '--enable-sign-ext', '--enable-mutable-globals',
    '--enable-nontrapping-float-to-int', '--enable-reference-types', '--enable-multivalue', '--enable-call-indirect-overlong'];
  execFileSync(path.join(root, 'node_modules/.bin/wasm-opt'), ['-Oz', '--strip-debug', '--strip-producers', ...features, wasm, '-o', wasm], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  fs.copyFileSync(path.join(appDir, 'index.html'), path.join(outDir, 'index.html'));
}

/** Every file wasm-pack wrote (the wasm, the glue, the host snippet), with its sizes. */
function sizes() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.(wasm|js)$/.test(entry.name)) files.push(file);
    }
  };
  walk(pkgDir);
  const gzip = (bytes) => zlib.gzipSync(bytes, { level: 9 }).length;
  const rows = files.map((file) => {
    const bytes = fs.readFileSync(file);
    // What a bundler would ship of the glue: minified.
    const min = file.endsWith('.js') ? Buffer.from(esbuild.transformSync(bytes.toString(), { minify: true, format: 'esm' }).code) : bytes;
    return { file: path.relative(pkgDir, file), raw: bytes.length, gzip: gzip(bytes), min: gzip(min) };
  });
  const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
  console.log('  sizes (KB = 1000 bytes; gzip -9; "min" = minified by esbuild, then gzip):');
  for (const r of rows) {
    console.log(`  ${r.file.padEnd(58)} ${kb(r.raw).padStart(9)} raw ${kb(r.gzip).padStart(9)} gzip ${kb(r.min).padStart(9)} min`);
  }
  const sum = (pick, which) => rows.filter(pick).reduce((n, r) => n + r[which], 0);
  const isWasm = (r) => r.file.endsWith('.wasm');
  const isJs = (r) => !isWasm(r);
  console.log(`  wasm ${kb(sum(isWasm, 'raw'))} raw, ${kb(sum(isWasm, 'gzip'))} gzip; glue (JS) ${kb(sum(isJs, 'raw'))} raw, ` +
    `${kb(sum(isJs, 'gzip'))} gzip (${kb(sum(isJs, 'min'))} minified); wasm + glue ${kb(sum(() => true, 'gzip'))} gzip ` +
    `(${kb(sum(() => true, 'min'))} with the glue minified)`);
}

// ------------------------------------------------------------------------------------ browsers

class Chromium extends ChromiumSession {
  async load(url) {
    this.page = await this.context.newPage();
    this.errors = [];
    this.page.on('pageerror', (e) => this.errors.push(String(e)));
    const response = await this.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (!response || !response.ok()) throw new Error(`GET ${url}: HTTP ${response && response.status()}`);
    await this.page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 15_000 });
  }

  /**
   * Calls the application's `follow(...)`: { ok, value } or { ok: false, failure } (not `error`:
   * WebDriver would take an object with that field for its own error).
   */
  follow(...a) {
    return this.page.evaluate((a) => window.follow(...a).then((value) => ({ ok: true, value }), (e) => ({ ok: false, failure: String(e && e.message || e) })), a);
  }

  log() {
    return this.page.evaluate(() => [...document.querySelectorAll('#log li')].map((li) => li.textContent));
  }

  async unload() {
    await this.page.close().catch(() => {});
    const errors = this.errors;
    this.errors = [];
    return errors;
  }
}

class Firefox extends FirefoxSession {
  async start() {
    await super.start({ scriptTimeout: CASE_TIMEOUT });
  }

  exec(script, a = []) {
    return this.wd.executeAsync(`const done = arguments[arguments.length - 1];
      const a = Array.prototype.slice.call(arguments, 0, -1);
      Promise.resolve().then(async () => { ${script} }).then(done, (e) => done({ ok: false, failure: String(e && e.message || e) }));`, a, CASE_TIMEOUT + 5000);
  }

  async load(url) {
    await this.wd.navigate(url);
    await this.exec(`const t = Date.now();
      while (document.body.dataset.ready !== 'true') {
        if (Date.now() - t > 15000) throw new Error('the application did not load');
        await new Promise((r) => setTimeout(r, 20));
      }
      window.__errors = [];
      window.addEventListener('error', (e) => window.__errors.push(String(e.message)));
      window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));
      return true;`);
  }

  follow(...a) {
    return this.exec('return window.follow(...a).then((value) => ({ ok: true, value }), (e) => ({ ok: false, failure: String(e && e.message || e) }));', a);
  }

  log() {
    return this.exec("return [...document.querySelectorAll('#log li')].map((li) => li.textContent);");
  }

  async unload() {
    return this.exec('return window.__errors || [];');
  }
}

// ------------------------------------------------------------------------------------ cases

const TOKEN = 't0k3n';
const BODY = '{"prompt":"hello"}';

const cases = {
  async 'header and body reach the server'(b, srv, key) {
    const r = await b.follow(`/echo?key=${key}`, TOKEN, BODY, 1);
    check(r.ok, `follow failed: ${r.failure}`);
    const lines = r.value.split('\n');
    same(lines[0], 'open', 'the first event');
    const echo = JSON.parse(lines[1].replace(/^message \S* /, ''));
    same([echo.method, echo.body, echo.headers.authorization, echo.contentType], ['POST', BODY, `Bearer ${TOKEN}`, 'application/json'],
      'what the server echoed');
    same(await b.log(), lines, 'the page shows what follow() returned');
  },

  async 'resume after the last id, header and body on every reconnect'(b, srv, key) {
    const r = await b.follow(`/drop?after=2&total=5&retry=50&key=${key}`, TOKEN, BODY, 5);
    check(r.ok, `follow failed: ${r.failure}`);
    const lines = r.value.split('\n');
    const ids = lines.filter((l) => l.startsWith('message ')).map((l) => l.split(' ')[1]);
    same(ids, ['1', '2', '3', '4', '5'], 'every event exactly once, in order');
    const log = srv.getLog(key);
    check(log.length >= 3, `expected a request per connection, got ${log.length}`);
    for (const entry of log) {
      same([entry.method, entry.body, entry.headers.authorization], ['POST', BODY, `Bearer ${TOKEN}`], `request ${entry.seq}`);
    }
    // Each request resumes after the last event seen before it (same origin: the header).
    const expected = [];
    let last;
    for (const line of lines) {
      if (line === 'open') expected.push(last ?? null);
      else if (line.startsWith('message ')) last = line.split(' ')[1];
    }
    same(log.map((e) => e.headers['last-event-id'] ?? null), expected, 'the Last-Event-ID of each request');
    same(log.map((e) => e.query.lastEventId ?? null), log.map(() => null), 'no ID in the query same-origin');
  },

  async 'dropping the source closes the connection'(b, srv, key) {
    // /drop stays open and idle once the fifth event is sent: only the application can end it.
    const r = await b.follow(`/drop?after=10&total=3&key=${key}`, TOKEN, BODY, 3);
    check(r.ok, `follow failed: ${r.failure}`);
    same(srv.getLog(key).length, 1, 'one request');
    await waitFor(() => srv.openCount(key) === 0, 10_000, 'the server to see the stream closed');
  },

  async 'a failure for good rejects with the source error'(b, srv, key) {
    const r = await b.follow(`/status?code=500&key=${key}`, TOKEN, BODY, 1);
    check(!r.ok, `follow resolved: ${JSON.stringify(r.value)}`);
    check(/http-status \(HTTP 500/.test(r.failure), `the error: ${r.failure}`);
    same(srv.getLog(key).length, 1, 'no reconnect');
  },
};

// ------------------------------------------------------------------------------------ main

await runSuite(async () => {
  if (build) {
    buildApp();
  }
  sizes();
  // Nothing of the library's own leaks into the application's module (issue #21): its exports
  // are the application's `follow` and wasm-bindgen's loaders, and no name of the npm boundary.
  const glue = fs.readFileSync(path.join(pkgDir, `${NAME}.js`), 'utf8');
  const exported = [...glue.matchAll(/^export (?:async )?(?:function|class|const) (\w+)|^export \{([^}]*)\}/gm)]
    .flatMap((m) => (m[1] ? [m[1]] : m[2].split(',').map((x) => x.trim().split(/\s+as\s+/).pop())));
  try {
    same(exported.sort(), ['default', 'follow', 'initSync'], 'the exports of the application\'s module');
    check(!/esw_|class Source\b/.test(glue), 'the npm boundary appears in the glue');
    result('build: the library adds nothing to the application\'s exports', true);
  } catch (e) {
    result('build: the library adds nothing to the application\'s exports', false, e.message);
  }
  const srv = await startServer({ port: 0, ports: 0, files: { '/app/': outDir } });
  cleanups.push(() => srv.close());
  const page = `${srv.url}/app/index.html`;
  for (const name of browsers) {
    const b = name === 'chromium' ? new Chromium() : new Firefox();
    cleanups.push(() => b.stop());
    await b.start();
    let n = 0;
    for (const [label, run] of Object.entries(cases)) {
      const key = `app-${name}-${n++}-${Date.now()}`;
      try {
        await b.load(page);
        await withTimeout(run(b, srv, key), CASE_TIMEOUT, label);
        const errors = await b.unload();
        same(errors, [], 'page errors');
        result(`${name}: ${label}`, true);
      } catch (e) {
        await (b.unload ? b.unload().catch(() => {}) : null);
        result(`${name}: ${label}`, false, e instanceof Check ? e.message : e.stack || e.message);
      }
    }
    await b.stop();
  }
}, { result, tally: () => ({ passed, failed }) });
