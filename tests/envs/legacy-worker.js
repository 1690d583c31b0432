// A dedicated classic worker running the cases on the legacy script
// (dist/eventsource-wasm.legacy.js), its platform EventSource removed first, so that the script
// installs its own and every source runs on the whole engine. A worker's script cannot tell the
// legacy script where it was loaded from, so the worker runs the engine file first, as the README
// says to (importScripts of both): the script takes the engine over from it.
delete self.EventSource;
const hadEventSource = typeof self.EventSource;
importScripts('/dist/eventsource-wasm.legacy-engine.js', '/dist/eventsource-wasm.legacy.js');

// The cases are an ES module, imported after the page's first requests may have come: they wait.
const early = [];
let serve = null;
self.addEventListener('message', (event) => (serve ? serve(event) : early.push(event)));
const scope = {
  addEventListener(type, listener) {
    serve = listener;
    early.splice(0).forEach(listener);
  },
};

import('/tests/envs/cases.js').then(({ collectErrors, createSuite, serveSuite }) => {
  const params = new URL(self.location.href).searchParams;
  const suite = createSuite({
    EventSource: self.EventSourceWasm,
    A: self.location.origin,
    B: params.get('b'),
    P: params.get('p'),
    ctlFetch: self.fetch.bind(self),
    expectAuto: 'fetch',
    env: 'legacy-worker',
    browser: params.get('browser'),
    ownOrigin: self.origin,
    takeErrors: collectErrors(self),
    expect: {
      globals: { EventSource: 'function', XMLHttpRequest: 'function', fetch: 'function', document: 'undefined', window: 'undefined' },
      available: ['fetch', 'xhr', 'longpoll'],
      checks: {
        'the platform EventSource was removed before the legacy script ran': hadEventSource === 'undefined',
        'the legacy script installed its class as EventSource': self.EventSource === self.EventSourceWasm,
        'the engine file left no global behind': !('eventsourceWasmEngine' in self),
      },
    },
  });
  serveSuite(scope, suite, { scope: self.constructor.name });
});
