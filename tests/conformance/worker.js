// A dedicated or shared module worker running the conformance cases (worker.html starts it).
import { EventSource } from '/dist/index.js';
import { collectErrors, createSuite, describe, serve } from '/tests/conformance/cases.js';

const params = new URL(self.location.href).searchParams;
const shared = typeof SharedWorkerGlobalScope === 'function' && self instanceof SharedWorkerGlobalScope;
const suite = createSuite({
  EventSource,
  NativeEventSource: self.EventSource,
  A: self.location.origin,
  B: params.get('b'),
  DEAD: params.get('dead'),
  ctlFetch: self.fetch.bind(self),
  context: shared ? 'shared' : 'worker',
  browser: params.get('browser'),
  origin: self.origin,
  stop: null,
  takeErrors: collectErrors(self),
  has: { native: typeof self.EventSource === 'function', fetch: typeof self.fetch === 'function', xhr: typeof self.XMLHttpRequest === 'function' },
});
const info = describe(self);
if (shared) self.addEventListener('connect', (e) => serve(e.ports[0], suite, info));
else serve(self, suite, info);
