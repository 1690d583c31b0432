// Async iteration over a source's events. Platform shapes (the iterator protocol), so
// JavaScript; the events themselves come from the engine as usual. Part of the entry, not a chunk
// loaded on use: a service worker refuses import(), and `for await` must work there too.

/**
 * An async iterator over the events of `types` dispatched by `source`. It ends when the source
 * is closed (`whenClosed` registers the callback, returning an unregister function), and throws
 * when the connection fails for good; leaving a `for await` loop closes the source.
 */
export function iterate(source, types, whenClosed) {
  const queue = [];
  let head = 0;
  let waiting = null;
  let finished = false;
  let failure = null;

  const onEvent = (event) => {
    if (waiting) {
      const w = waiting;
      waiting = null;
      w.resolve({ value: event, done: false });
    } else {
      queue.push(event);
    }
  };
  const fail = (event) => {
    const status = event.status ? ` (HTTP ${event.status})` : '';
    finish(new Error(`EventSource failed: ${event.reason || 'error'}${status}`, { cause: event }));
  };
  const onError = (event) => {
    if (source.readyState === 2) fail(event); // else reconnecting: the iteration goes on
  };

  function finish(error) {
    if (finished) return;
    finished = true;
    failure = error;
    for (const type of types) source.removeEventListener(type, onEvent);
    source.removeEventListener('error', onError);
    unwatch();
    if (waiting) {
      const w = waiting;
      waiting = null;
      failure = null;
      if (error) w.reject(error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  for (const type of types) source.addEventListener(type, onEvent);
  source.addEventListener('error', onError);
  const unwatch = whenClosed(() => finish(null));

  return {
    next() {
      if (head < queue.length) {
        const value = queue[head];
        queue[head++] = undefined;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        return Promise.resolve({ value, done: false });
      }
      if (finished) {
        const error = failure;
        failure = null;
        return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return(value) {
      finish(null);
      source.close();
      return Promise.resolve({ value, done: true });
    },
    throw(error) {
      finish(null);
      source.close();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
