// The legacy script has its core built in (ready.js: ensureWasm() is always true), so the
// stand-in that waits for the JavaScript core to load (js/deferred.js) never runs there. This
// takes its place in the legacy build, keeping its dynamic import() (which the ES5 build can only
// lower to a `require` shim and the page's own Promise) out of the script.
export function deferredSource() {
  throw new Error('eventsource-wasm legacy script: its core is built in, nothing to load');
}
