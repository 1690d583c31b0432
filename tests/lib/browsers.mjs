// Browser launch code shared by the browser suites (tests/browser/, tests/envs/, tests/options/,
// tests/reliability/, tests/legacy/, tests/e2e/): Debian's Chromium through playwright-core, and
// Firefox ESR (geckodriver) and WebKitGTK's MiniBrowser (WebKitWebDriver, on an Xvfb display of
// its own) through the minimal W3C WebDriver client below. Each suite keeps its own driver class
// (how it loads pages, lists and runs cases); these are the parts that were the same in all.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const HOME = process.env.HOME || '/root';

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';
export const GECKODRIVER = [path.join(HOME, '.cargo/bin/geckodriver'), '/usr/local/bin/geckodriver', '/usr/bin/geckodriver'].find((p) => fs.existsSync(p)) || 'geckodriver';

/** The browsers every browser suite runs, in this order; `--browser` picks among them. */
export const BROWSERS = ['chromium', 'firefox', 'webkit'];

/** The Chromium flags every suite uses (a suite may add its own). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Starts a suite's browser driver, allowing it a minute. A browser that does not start is one
 * failed check, `report(name, false, detail)`, and the answer false: the suite goes on without it.
 */
export async function startDriver(driver, browser, report) {
  try {
    await withTimeout(driver.start(), 60_000, `starting ${browser}`);
    return true;
  } catch (e) {
    report(`${browser}: start the browser`, false, e.stack || e.message);
    return false;
  }
}

// ------------------------------------------------------------------------------------ Chromium

/** Launches headless Chromium (playwright-core) with CHROMIUM_ARGS and `extraArgs`. */
export async function launchChromium(extraArgs = []) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** Base of the suites' Chromium drivers: `start()` opens the browser and a context; `stop()`. */
export class ChromiumSession {
  name = 'chromium';

  async start() {
    this.browser = await launchChromium();
    this.context = await this.browser.newContext();
  }

  async stop() {
    if (this.browser) await withTimeout(this.browser.close(), 10_000, 'closing chromium').catch(() => {});
    this.browser = null;
  }
}

// ------------------------------------------------------------------------------------ Firefox (W3C WebDriver)

/** A minimal W3C WebDriver client over Node's fetch. */
export class WebDriverClient {
  constructor(base) {
    this.base = base;
    this.session = null;
  }

  async cmd(method, route, body, timeout = 60_000) {
    const r = await fetch(`${this.base}${route}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeout),
    });
    const text = await r.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`WebDriver ${method} ${route}: HTTP ${r.status}, not JSON: ${text.slice(0, 200)}`);
    }
    const value = json.value;
    if (!r.ok || (value && typeof value === 'object' && value.error)) {
      throw new Error(`WebDriver ${method} ${route}: ${value && value.error}: ${value && value.message}`);
    }
    return value;
  }

  async newSession(capabilities) {
    const value = await this.cmd('POST', '/session', { capabilities });
    this.session = value.sessionId;
    return value;
  }

  /** A route of the current session. */
  s(route) {
    return `/session/${this.session}${route}`;
  }

  navigate(url) {
    return this.cmd('POST', this.s('/url'), { url });
  }

  executeSync(script, args = [], timeout = undefined) {
    return this.cmd('POST', this.s('/execute/sync'), { script, args }, timeout);
  }

  executeAsync(script, args = [], timeout = undefined) {
    return this.cmd('POST', this.s('/execute/async'), { script, args }, timeout);
  }

  screenshot() {
    return this.cmd('GET', this.s('/screenshot'));
  }

  async deleteSession() {
    if (!this.session) return;
    const id = this.session;
    this.session = null;
    await this.cmd('DELETE', `/session/${id}`, undefined, 20_000);
  }
}

/**
 * Base of the suites' Firefox drivers: `start({ scriptTimeout })` runs geckodriver and opens a
 * headless Firefox session (`this.wd`); `stop()` ends the session, geckodriver and Firefox.
 */
export class FirefoxSession {
  name = 'firefox';

  async start({ scriptTimeout }) {
    this.proc = spawn(GECKODRIVER, ['--host', '127.0.0.1', '--port', '0', '--websocket-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.output = '';
    const base = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`geckodriver did not start within 15 s:\n${this.output}`)), 15_000);
      const onData = (chunk) => {
        this.output += chunk;
        const m = /Listening on (127\.0\.0\.1:\d+)/.exec(this.output);
        if (m) {
          clearTimeout(timer);
          resolve(`http://${m[1]}`);
        }
      };
      this.proc.stdout.setEncoding('utf8').on('data', onData);
      this.proc.stderr.setEncoding('utf8').on('data', (c) => { this.output += c; });
      this.proc.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run ${GECKODRIVER}: ${e.message}`)); });
      this.proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`geckodriver exited (${code}):\n${this.output}`)); });
    });
    this.wd = new WebDriverClient(base);
    const caps = await this.wd.newSession({
      alwaysMatch: {
        browserName: 'firefox',
        pageLoadStrategy: 'normal',
        timeouts: { script: scriptTimeout, pageLoad: 15_000, implicit: 0 },
        'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'], prefs: { 'network.proxy.type': 0 } },
      },
    });
    this.firefoxPid = caps.capabilities && caps.capabilities['moz:processID'];
  }

  async stop() {
    if (this.wd) await this.wd.deleteSession().catch(() => {});
    this.wd = null;
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      await withTimeout(exited, 3000, 'geckodriver exit').catch(() => this.proc.kill('SIGKILL'));
    }
    this.proc = null;
    // Firefox (started by geckodriver for us) should be gone with the session; make sure.
    if (this.firefoxPid) {
      try {
        process.kill(this.firefoxPid, 0);
        process.kill(this.firefoxPid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
}

// ------------------------------------------------------------------------------------ WebKit (W3C WebDriver)

export const WEBKITWEBDRIVER = '/usr/bin/WebKitWebDriver';

/** WebKitGTK's MiniBrowser (Debian puts it under the multiarch directory), or null. */
export function findMiniBrowser() {
  let dirs = [];
  try {
    dirs = fs.readdirSync('/usr/lib').map((d) => path.join('/usr/lib', d, 'webkit2gtk-4.1', 'MiniBrowser'));
  } catch {
    /* no /usr/lib */
  }
  return dirs.find((p) => fs.existsSync(p)) || null;
}

/** Resolves with the exit of `proc`, or at once if it has exited. */
function exited(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', resolve));
}

/** SIGTERM, then SIGKILL if `proc` is still there after `ms`. */
async function terminate(proc, ms, what) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = exited(proc);
  proc.kill('SIGTERM');
  await withTimeout(gone, ms, what).catch(() => {
    proc.kill('SIGKILL');
    return withTimeout(gone, ms, what).catch(() => {});
  });
}

/**
 * Starts an X server (Xvfb) for one browser run on a display number nobody uses: with
 * `-displayfd` the server itself picks the first free number (it takes the lock file and the
 * socket, so other sessions' servers, started before or at the same time, are never reused) and
 * writes it to the pipe. Resolves with { display: ':N', stop() }.
 */
export async function startXvfb() {
  const proc = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.setEncoding('utf8').on('data', (c) => { err += c; });
  let out = '';
  const display = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb gave no display number within 15 s:\n${err}`)), 15_000);
    proc.stdio[3].setEncoding('utf8').on('data', (c) => {
      out += c;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`:${m[1]}`);
      }
    });
    proc.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run Xvfb (apt-get install xvfb): ${e.message}`)); });
    proc.once('exit', (code, sig) => { clearTimeout(timer); reject(new Error(`Xvfb exited (${sig || code}):\n${err}`)); });
  }).catch(async (e) => {
    await terminate(proc, 3000, 'Xvfb exit');
    throw e;
  });
  return { display, stop: () => terminate(proc, 3000, 'Xvfb exit') };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Base of the suites' WebKit drivers, the counterpart of FirefoxSession: `start({ scriptTimeout })`
 * starts an Xvfb display, WebKitWebDriver on it and a MiniBrowser session (`this.wd`); `stop()`
 * ends the session, the driver and the display (MiniBrowser cannot outlive its display).
 */
export class WebKitSession {
  name = 'webkit';

  async start({ scriptTimeout }) {
    const binary = findMiniBrowser();
    if (!binary) throw new Error('no /usr/lib/*/webkit2gtk-4.1/MiniBrowser (apt-get install webkit2gtk-driver)');
    this.xvfb = await startXvfb();
    // WebKitWebDriver cannot listen on port 0 and say which port it got: take a free port, and
    // try another if someone takes it first.
    let lastError;
    for (let attempt = 0; attempt < 3 && !this.wd; attempt++) {
      try {
        await this.startDriver(await freePort());
      } catch (e) {
        lastError = e;
        await terminate(this.proc, 3000, 'WebKitWebDriver exit');
        this.proc = null;
      }
    }
    if (!this.wd) throw lastError;
    const caps = await this.wd.newSession({
      alwaysMatch: {
        pageLoadStrategy: 'normal',
        timeouts: { script: scriptTimeout, pageLoad: 15_000, implicit: 0 },
        'webkitgtk:browserOptions': { binary, args: ['--automation'] },
      },
    });
    this.version = caps.capabilities && caps.capabilities.browserVersion;
  }

  async startDriver(port) {
    const proc = spawn(WEBKITWEBDRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DISPLAY: this.xvfb.display },
    });
    this.proc = proc;
    this.output = '';
    for (const s of [proc.stdout, proc.stderr]) s.setEncoding('utf8').on('data', (c) => { this.output += c; });
    let spawnError = null;
    proc.once('error', (e) => { spawnError = e; });
    const base = `http://127.0.0.1:${port}`;
    // It prints nothing when it listens: ask for its status until it answers.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (spawnError) throw new Error(`cannot run ${WEBKITWEBDRIVER} (apt-get install webkit2gtk-driver): ${spawnError.message}`);
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`WebKitWebDriver exited (${proc.signalCode || proc.exitCode}):\n${this.output}`);
      try {
        const r = await fetch(`${base}/status`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer on ${base} within 15 s:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    this.wd = new WebDriverClient(base);
  }

  async stop() {
    if (this.wd) await this.wd.deleteSession().catch(() => {});
    this.wd = null;
    await terminate(this.proc, 3000, 'WebKitWebDriver exit');
    this.proc = null;
    if (this.xvfb) await this.xvfb.stop();
    this.xvfb = null;
  }
}
