// Drivers for the suites whose cases live in a page that names three globals after the suite's
// prefix (the conformance suite's `conf`, the environments suite's `env`):
//   window.__<prefix>Ready(ms)     resolves once the page can list and run its cases (its answer
//                                  is the suite's to read)
//   window.__<prefix>List(t)       the names of the cases for transport `t`
//   window.__<prefix>Run(name, t)  one case's result
// One driver per browser, the same four methods on each: start(), load(url) → the ready answer,
// list(transport), run(name, transport), and screenshot(file) for a page that failed to load.
import fs from 'node:fs';
import { ChromiumSession, FirefoxSession, WebKitSession } from './browsers.mjs';

/**
 * The driver classes by browser for the page globals named after `prefix`. `caseTimeout`: how
 * long one call into the page may take (a case gives up in the page before that).
 */
export function pageSuiteDrivers(prefix, caseTimeout) {
  const ready = `__${prefix}Ready`;
  const list = `__${prefix}List`;
  const run = `__${prefix}Run`;

  class ChromiumDriver extends ChromiumSession {
    async start() {
      await super.start();
      this.page = await this.context.newPage();
      this.page.setDefaultTimeout(caseTimeout);
    }

    async load(url) {
      const response = await this.page.goto(url, { waitUntil: 'load', timeout: 15_000 });
      if (!response || !response.ok()) throw new Error(`GET ${url}: HTTP ${response && response.status()}`);
      return this.page.evaluate((name) => window[name](15_000), ready);
    }

    list(transport) {
      return this.page.evaluate(([name, t]) => window[name](t), [list, transport]);
    }

    run(caseName, transport) {
      return this.page.evaluate(([name, n, t]) => window[name](n, t), [run, caseName, transport]);
    }

    async screenshot(file) {
      await this.page.screenshot({ path: file });
    }
  }

  const webDriverDriver = (Session) => class extends Session {
    start() {
      return super.start({ scriptTimeout: caseTimeout });
    }

    // A script answers done({ value }) or done({ harnessError }): a bare case result, which has an
    // `error` field, would read as a WebDriver error.
    async exec(script, args = []) {
      const r = await this.wd.executeAsync(script, args, caseTimeout + 5000);
      if (!r || typeof r !== 'object' || !('value' in r || 'harnessError' in r)) throw new Error(`unexpected script answer: ${JSON.stringify(r)}`);
      if (r.harnessError) throw new Error(r.harnessError);
      return r.value;
    }

    async load(url) {
      await this.wd.navigate(url);
      return this.exec(`const done = arguments[arguments.length - 1];
        window.${ready}(15000).then((value) => done({ value }), (e) => done({ harnessError: String(e) }));`);
    }

    list(transport) {
      return this.exec(`const [t, done] = arguments;
        Promise.resolve().then(() => window.${list}(t)).then((value) => done({ value }), (e) => done({ harnessError: String(e && e.stack || e) }));`, [transport]);
    }

    run(caseName, transport) {
      return this.exec(`const [n, t, done] = arguments;
        Promise.resolve().then(() => window.${run}(n, t)).then((value) => done({ value }), (e) => done({ harnessError: 'harness: ' + (e && e.stack || e) }));`, [caseName, transport]);
    }

    async screenshot(file) {
      fs.writeFileSync(file, Buffer.from(await this.wd.screenshot(), 'base64'));
    }
  };

  return { chromium: ChromiumDriver, firefox: webDriverDriver(FirefoxSession), webkit: webDriverDriver(WebKitSession) };
}
