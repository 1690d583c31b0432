// The module code of old.html: the library, in a page that old-browser.js has stripped.
import { EventSource } from '/dist/index.js';
import { createSuite } from '/tests/envs/cases.js';

try {
  const params = new URLSearchParams(location.search);
  const sim = window.__simulation;
  const plans = {
    'no-eventsource': { auto: 'fetch', available: ['fetch', 'xhr', 'longpoll'], globals: { EventSource: 'undefined', fetch: 'function', XMLHttpRequest: 'function' } },
    'no-body': { auto: 'xhr', available: ['xhr', 'longpoll'], globals: { EventSource: 'undefined', fetch: 'function', XMLHttpRequest: 'function' } },
    'no-abort': { auto: 'xhr', available: ['xhr', 'longpoll'], globals: { EventSource: 'undefined', AbortController: 'undefined', fetch: 'function', XMLHttpRequest: 'function' } },
    'xhr-only': { auto: 'xhr', available: ['xhr', 'longpoll'], globals: { EventSource: 'undefined', fetch: 'undefined', Response: 'undefined', ReadableStream: 'undefined', XMLHttpRequest: 'function' } },
    'xhr-noprogress': { auto: 'longpoll', available: ['longpoll'], globals: { EventSource: 'undefined', fetch: 'undefined', Response: 'undefined', ReadableStream: 'undefined', XMLHttpRequest: 'function' } },
  };
  const plan = plans[sim.variant];
  const suite = createSuite({
    EventSource,
    A: location.origin,
    B: params.get('b'),
    P: params.get('p'),
    ctlFetch: window.__ctlFetch,
    expectAuto: plan.auto,
    env: `old-${sim.variant}`,
    browser: params.get('browser'),
    ownOrigin: self.origin,
    takeErrors: window.__takeErrors,
    expect: { globals: plan.globals, available: plan.available, checks: sim.checks },
  });
  window.__envList = (transport) => suite.list(transport);
  window.__envRun = (name, transport) => suite.run(name, transport);
  window.__envSettle();
} catch (e) {
  window.__envSettle(e);
}
