// What the module service workers run (sw.js on dist/index.js, sw-whole.js on dist/whole.js):
// the cases, served to the page over a MessagePort. Service workers have no XMLHttpRequest (so
// no xhr or longpoll transport) and no document. They used to have no EventSource either;
// Chromium 156 and Firefox 153 ESR expose it (the HTML standard says [Exposed=(Window,Worker)]),
// so 'auto' picks 'native' there. With ?strip=1 the worker removes its EventSource first
// (sw-strip.js, before the package loads), as in the service workers of the browsers that lacked
// it: then 'auto' must pick 'fetch'.
import { collectErrors, createSuite, serveSuite } from '/tests/envs/cases.js';

/**
 * Serves the cases for `EventSource`; `had` and `strip` as sw-strip.js found and did; `whole`:
 * the package is dist/whole.js.
 */
export function serveServiceWorker(EventSource, had, strip, whole = false) {
  const params = new URL(self.location.href).searchParams;

  const takeErrors = collectErrors(self);
  self.addEventListener('install', () => self.skipWaiting());

  const suite = createSuite({
    EventSource,
    A: self.location.origin,
    B: params.get('b'),
    P: params.get('p'),
    ctlFetch: self.fetch.bind(self),
    expectAuto: strip ? 'fetch' : 'native',
    env: strip ? 'sw-stripped' : 'sw',
    whole,
    browser: params.get('browser'),
    ownOrigin: self.origin,
    takeErrors,
    expect: {
      globals: { EventSource: strip ? 'undefined' : 'function', XMLHttpRequest: 'undefined', fetch: 'function', ReadableStream: 'function', document: 'undefined' },
      available: strip ? ['fetch'] : ['native', 'fetch'],
      checks: {
        'a ServiceWorkerGlobalScope': typeof ServiceWorkerGlobalScope === 'function' && self instanceof ServiceWorkerGlobalScope,
        'the service worker had a native EventSource before ?strip removed it': had === 'function',
      },
    },
  });
  serveSuite(self, suite, { scope: self.constructor.name, had });
}
