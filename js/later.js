// A stand-in for a source whose code is not in yet. Until it is, it knows what the constructor
// already checked (URL, withCredentials, transport) and queues what the page asks; then the real
// source takes over. Events are asynchronous anyway, so the page sees the same sequence, only a
// little later. Used for a shared connection (the sharing code comes on first use) and where the
// engine has to be loaded as JavaScript (js/deferred.js).

import { EMIT_ERROR_CLOSED, EMIT_TRANSPORT } from './reports.js';

/**
 * A stand-in for the source `load()` resolves to a maker of. `info`: what the constructor
 * knows ({ url, withCredentials, transport }).
 */
export function later(info, load, emit) {
  const pending = [];
  const stub = {
    ...info,
    real: null,
    closed: false,
    listen(type) {
      if (stub.real) stub.real.listen(type);
      else pending.push(type);
    },
    close() {
      stub.closed = true;
      if (stub.real) stub.real.close();
    },
    free() {
      if (stub.real) stub.real.free();
    },
    get lastEventId() {
      return stub.real ? stub.real.lastEventId : '';
    },
    get reconnectionTime() {
      return stub.real ? stub.real.reconnectionTime : undefined;
    },
    reset() {
      if (stub.real && stub.real.reset) stub.real.reset();
    },
  };
  load().then(
    (make) => {
      if (stub.closed) return;
      try {
        stub.real = make();
      } catch (e) {
        // Bad options: reported as a failed connection, since the constructor has returned.
        emit(EMIT_ERROR_CLOSED, `invalid\r\r${e && e.message}`, 0, -1);
        return;
      }
      for (const type of pending) stub.real.listen(type);
      if (stub.real.transport !== stub.transport) emit(EMIT_TRANSPORT, stub.real.transport, 0, 0);
    },
    (e) => {
      if (!stub.closed) emit(EMIT_ERROR_CLOSED, `load\reventsource-wasm could not load its engine: ${e && e.message}\r`, 0, -1);
    },
  );
  return stub;
}
