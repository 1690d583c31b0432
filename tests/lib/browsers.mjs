// Browser launch code shared by the browser suites (tests/browser/, tests/envs/, tests/options/,
// tests/reliability/): Debian's Chromium through playwright-core, and Firefox ESR through
// geckodriver with the minimal W3C WebDriver client below. Each suite keeps its own driver class
// (how it loads pages, lists and runs cases); these are the parts that were the same in all.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const HOME = process.env.HOME || '/root';

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';
export const GECKODRIVER = [path.join(HOME, '.cargo/bin/geckodriver'), '/usr/local/bin/geckodriver', '/usr/bin/geckodriver'].find((p) => fs.existsSync(p)) || 'geckodriver';

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
