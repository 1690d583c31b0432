// How the class loads a part of itself on first use (the whole engine, the JavaScript engine):
// one load, shared by every caller while it runs and kept once it succeeded; a load that failed
// (the network, a server that was down) is started again by the next caller, not kept to fail
// every later source. (js/host.js has its own for the XHR driver: as a wasm-bindgen snippet it
// may import nothing.)

/** A function that runs `start()` (which returns a promise) as said above. */
export function once(start) {
  let loading = null;
  return () =>
    (loading ??= start().catch((error) => {
      loading = null;
      throw error;
    }));
}
