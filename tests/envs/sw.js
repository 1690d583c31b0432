// A module service worker running the cases. Service workers have no XMLHttpRequest (so no xhr or
// longpoll transport) and no document. They used to have no EventSource either; Chromium 156 and
// Firefox 153 ESR expose it (the HTML standard says [Exposed=(Window,Worker)]), so 'auto' picks
// 'native' there. With ?strip=1 the worker removes its EventSource first (sw-strip.js, before the
// package loads), as in the service workers of the browsers that lacked it: then 'auto' must
// pick 'fetch'.
import { had, strip } from '/tests/envs/sw-strip.js';
import { EventSource } from '/dist/index.js';
import { collectErrors, createSuite, serveSuite } from '/tests/envs/cases.js';

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
