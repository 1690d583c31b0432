// A dedicated module worker running the cases. Dedicated workers of Chromium, Firefox and WebKit expose
// EventSource, XMLHttpRequest and fetch, so every transport exists here and 'auto' picks 'native'.
import { EventSource } from '/dist/index.js';
import { collectErrors, createSuite, serveSuite } from '/tests/envs/cases.js';

const takeErrors = collectErrors(self);
const suite = createSuite({
  EventSource,
  A: self.location.origin,
  B: new URL(self.location.href).searchParams.get('b'),
  P: new URL(self.location.href).searchParams.get('p'),
  ctlFetch: self.fetch.bind(self),
  expectAuto: 'native',
  env: 'worker',
  browser: new URL(self.location.href).searchParams.get('browser'),
  ownOrigin: self.origin,
  takeErrors,
  expect: {
    globals: { EventSource: 'function', XMLHttpRequest: 'function', fetch: 'function', document: 'undefined', window: 'undefined' },
    available: ['native', 'fetch', 'xhr', 'longpoll'],
    checks: { 'a DedicatedWorkerGlobalScope': typeof DedicatedWorkerGlobalScope === 'function' && self instanceof DedicatedWorkerGlobalScope },
  },
});
serveSuite(self, suite, { scope: self.constructor.name });
