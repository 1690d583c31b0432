// The legacy script has its engine built in (engine.js), so the stand-in that waits for the
// JavaScript engine to load (js/deferred.js) never runs there. This takes its place in the
// legacy build, keeping its dynamic import() out of the script.
export function deferredSource() {
  throw new Error('eventsource-wasm legacy script: its engine is built in, nothing to load');
}
