// The part of playwright-core's Page that tests/e2e/demo.mjs uses, over W3C WebDriver (the
// client in browsers.mjs), so that one scenario drives Chromium (Playwright) and Firefox and
// WebKit (geckodriver, WebKitWebDriver) alike. What a user does (click, pick an option, type)
// goes through WebDriver's element commands, which act as a user would: the element is scrolled
// into view and must be there to be hit. Reads are scripts. Like Playwright's, clicks and the rest
// wait (bounded) for their element to exist and be enabled.
//
// Not Playwright: `goto` asks for the page once more from Node to learn its HTTP status
// (WebDriver does not tell it); page errors are caught by listeners the page gets right after it
// loads (an error while it loads is not seen) and reach `on('pageerror')` when `drainErrors()`
// is called; screenshots are of the viewport.

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'; // the W3C web element identifier

const ERROR_HOOK = `
  if (!window.__wdErrors) {
    window.__wdErrors = [];
    window.addEventListener('error', function (e) {
      window.__wdErrors.push({ name: (e.error && e.error.name) || 'Error', message: e.message || String(e.error) });
    });
    window.addEventListener('unhandledrejection', function (e) {
      var r = e.reason;
      window.__wdErrors.push({ name: 'Uncaught (in promise) ' + ((r && r.name) || 'Error'), message: (r && r.message) || String(r) });
    });
  }`;

class Locator {
  constructor(page, selector) {
    this.page = page;
    this.selector = selector;
  }

  getAttribute(name) {
    return this.page.evaluate(([s, n]) => {
      const el = document.querySelector(s);
      if (!el) throw new Error(`no element ${s}`);
      return el.getAttribute(n);
    }, [this.selector, name]);
  }

  textContent() {
    return this.page.evaluate((s) => {
      const el = document.querySelector(s);
      if (!el) throw new Error(`no element ${s}`);
      return el.textContent;
    }, this.selector);
  }

  click() {
    return this.page.click(this.selector);
  }
}

export class WebDriverPage {
  /** `wd`: a WebDriverClient with a session. */
  constructor(wd) {
    this.wd = wd;
    this.timeout = 30_000;
    this.listeners = { pageerror: [] };
  }

  setDefaultTimeout(ms) {
    this.timeout = ms;
  }

  async setViewportSize({ width, height }) {
    // The window, not the viewport: near enough for a screenshot.
    await this.wd.cmd('POST', this.wd.s('/window/rect'), { width, height });
  }

  /** Only 'pageerror' is supported: its listeners get { name, message } from drainErrors(). */
  on(event, listener) {
    if (!this.listeners[event]) throw new Error(`WebDriverPage.on('${event}') is not supported`);
    this.listeners[event].push(listener);
  }

  async drainErrors() {
    const errors = await this.wd.executeSync('return window.__wdErrors ? window.__wdErrors.splice(0) : [];');
    for (const e of errors) for (const l of this.listeners.pageerror) l(e);
  }

  async goto(url) {
    const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    await this.wd.navigate(url);
    await this.wd.executeSync(ERROR_HOOK);
    return { ok: () => r.ok, status: () => r.status };
  }

  /** Runs `fn(arg)` in the page (a function without closures, as in Playwright). */
  evaluate(fn, arg) {
    return this.wd.executeSync(`return (${fn.toString()})(arguments[0]);`, [arg === undefined ? null : arg]);
  }

  $$eval(selector, fn) {
    return this.wd.executeSync(`return (${fn.toString()})(Array.prototype.slice.call(document.querySelectorAll(arguments[0])));`, [selector]);
  }

  locator(selector) {
    return new Locator(this, selector);
  }

  inputValue(selector) {
    return this.evaluate((s) => document.querySelector(s).value, selector);
  }

  /** Polls `fn(arg)` in the page until it is truthy, every `polling` ms (bounded by `timeout`). */
  async waitForFunction(fn, arg, { timeout = this.timeout, polling = 100 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, arg);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waitForFunction: not true within ${timeout} ms`);
      await new Promise((r) => setTimeout(r, polling));
    }
  }

  waitForSelector(selector, { timeout = this.timeout } = {}) {
    return this.waitForFunction((s) => !!document.querySelector(s), selector, { timeout, polling: 50 });
  }

  /** The element's WebDriver reference, once it exists and is not disabled. */
  async enabled(selector) {
    try {
      await this.waitForFunction((s) => {
        const el = document.querySelector(s);
        return !!el && !el.disabled;
      }, selector, { polling: 50 });
    } catch {
      throw new Error(`${selector}: no such element, or it stayed disabled, for ${this.timeout} ms`);
    }
    const found = await this.wd.cmd('POST', this.wd.s('/element'), { using: 'css selector', value: selector });
    return found[ELEMENT];
  }

  async click(selector) {
    const id = await this.enabled(selector);
    await this.wd.cmd('POST', this.wd.s(`/element/${id}/click`), {});
  }

  /** Picks the option with this value as a user does: a click on the option. */
  async selectOption(selector, value) {
    await this.enabled(selector);
    const option = `${selector} option[value="${value}"]`;
    const found = await this.wd.cmd('POST', this.wd.s('/element'), { using: 'css selector', value: option });
    await this.wd.cmd('POST', this.wd.s(`/element/${found[ELEMENT]}/click`), {});
    const now = await this.inputValue(selector);
    if (now !== value) throw new Error(`selectOption(${selector}, ${value}): the select shows ${now}`);
  }

  /** Replaces the field's text by typing `text` (WebDriver's clear, then keys). */
  async fill(selector, text) {
    const id = await this.enabled(selector);
    await this.wd.cmd('POST', this.wd.s(`/element/${id}/clear`), {});
    await this.wd.cmd('POST', this.wd.s(`/element/${id}/value`), { text });
  }

  async screenshot({ path: file }) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, Buffer.from(await this.wd.screenshot(), 'base64'));
  }
}
