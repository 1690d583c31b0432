// One source as the class sees it: the engine's decisions carried out with the host. It asks
// the engine what to do (esw_poll), does it with the host (requests, timers, the page's
// lifecycle, the browser's own EventSource), reports back what happened, and tells the class
// through one function, `emit(kind, text, num, extra, more)` (kinds in js/reports.js), once per chunk
// of events rather than once per event: each crossing into wasm has a fixed cost.

import { cancel, closeNative, hidden, listen, native, now, readStream, request, resolve, timer, wallClock, watch, REPORT_BYTES, REPORT_RESPONSE, REPORT_TEXT } from './host.js';
import { WHOLE } from './whole.js';
import { replayOptions, wait } from './wait.js';
import { headerLines, numbers, optionError, panicMessage, put, putBytes, readOptions, runsSources, text, x } from './core.js';
import {
  CMD_ABORT, CMD_ASK_HEADERS, CMD_ASK_RECONNECT, CMD_ERROR, CMD_OPEN, CMD_REQUEST, CMD_TRANSPORT,
  DECIDE_DELAY, DECIDE_GIVE_UP, DECIDE_PROCEED,
  TRANSPORTS, packEvent,
} from './protocol.js';
import { EMIT_CRASHED, EMIT_ERROR_CLOSED, EMIT_ERROR_RECONNECTING, EMIT_MESSAGES, EMIT_OPEN, EMIT_ORIGIN, EMIT_TRANSPORT } from './reports.js';

/**
 * Checks `url` and `init` as the constructor does; returns [href, options handle, choice]. `record`
 * gets the options as the engine read them (see readOptions).
 */
function prepare(url, init, record) {
  const href = resolve(url);
  // The platform's URL parser may be laxer than the standard's (Chromium's takes spaces in a host).
  const invalid = x.esw_check_url(put(href));
  if (invalid) throw optionError(invalid);
  const options = readOptions(init, record);
  const choice = x.esw_choose(options);
  if (choice < 0) throw optionError(-choice);
  return [href, options, choice];
}

export class Source {
  /**
   * Checks everything and starts connecting. Throws what the native constructor throws
   * (SyntaxError for a bad URL, TypeError for a bad options argument), and TypeError or
   * NotSupportedError for an option it cannot honour.
   */
  constructor(url, init, emit) {
    const record = [];
    const [href, options, choice] = prepare(url, init, record);
    this.url = href;
    this.withCredentials = (choice & 8) !== 0;
    this.transport = TRANSPORTS[choice & 3];
    this.emit = emit;
    this.h = 0; // the engine's handle, 0 once freed (or dead after a panic)
    this.abort = null; // aborts the request in flight
    this.timer = null;
    this.at = Infinity; // when the timer fires
    this.unwatch = null;
    this.es = null; // the native transport's EventSource
    this.types = null; // its listeners of ours: type → stop function
    this.origin = '';
    this.waiting = null; // see `wait`
    if ((choice & 3) === 0) {
      x.esw_options_free(options);
      this.es = native(href, (choice & 4) !== 0, () => this.emit(EMIT_OPEN, '', 0, 0), () => this.nativeError());
      this.types = new Map();
      this.listen('message');
      return;
    }
    const o = init || {};
    const reconnect = o.reconnect;
    this.fns = {
      headers: typeof o.headers === 'function' ? o.headers : null,
      fetch: o.fetch,
      body: o.body === null ? undefined : o.body,
      onReconnect: reconnect && reconnect.onReconnect,
    };
    const lifecycle = x.esw_lifecycle_bits(options);
    const away = hidden() ? 1 : 0;
    const seed = Math.random() * 9007199254740992;
    if (WHOLE || runsSources()) this.h = x.esw_create(options, choice, away, seed, put(href));
    else {
      // Only the engine's front runs yet. It tells the request the source starts with, which
      // goes out as it would have (below); the source starts once the whole engine is in.
      const first = x.esw_first(options, choice, away, put(href)) === CMD_REQUEST ? Array.from(numbers()).concat(text()) : null;
      this.retryMs = x.esw_initial(options);
      this.lastId = text();
      x.esw_options_free(options);
      wait(this, () => replayOptions(record), (opts) => x.esw_create(opts, choice, away, seed, put(href)), first);
    }
    if (lifecycle) this.unwatch = watch(lifecycle, (what) => this.step(() => x.esw_lifecycle(this.h, now(), what)));
    // What the engine asks first (its request, or for a URL that cannot be fetched, its error)
    // is done once the constructor has returned: events are never dispatched from inside it.
    queueMicrotask(() => this.step(null));
  }

  /**
   * A source fed from `stream` (EventSource.fromReadableStream): the engine parses it as a
   * response body; its end or error closes the source. Throws a TypeError for a locked stream.
   */
  static fromStream(stream, emit) {
    const source = Object.create(Source.prototype);
    Object.assign(source, { url: 'about:event-stream', withCredentials: false, transport: 'stream', emit, h: 0, waiting: null, abort: null, timer: null, at: Infinity, unwatch: null, es: null, types: null, origin: 'null', fns: {} });
    const seed = Math.random() * 9007199254740992;
    if (WHOLE || runsSources()) source.h = x.esw_stream(seed);
    else wait(source, null, () => x.esw_stream(seed), null);
    try {
      source.abort = readStream(stream, source.reporter(1));
    } catch (error) {
      source.free();
      throw error;
    }
    return source;
  }

  /** The last event ID (kept once the source is freed). */
  get lastEventId() {
    if (this.h) {
      x.esw_last_event_id(this.h);
      this.lastId = text();
    }
    return this.lastId ?? '';
  }

  /** The reconnection time in use, in ms (kept once the source is freed). */
  get reconnectionTime() {
    if (this.h) this.retryMs = x.esw_reconnection_time(this.h);
    return this.retryMs ?? 3000;
  }

  /** Drops what was buffered of an event not yet dispatched (the last event ID stays). */
  reset() {
    if (this.waiting) this.waiting.queue.push(() => this.reset());
    else if (this.h) x.esw_reset(this.h);
  }

  /** Checks `url` and `init` as the constructor does, without connecting: what a source would be. */
  static describe(url, init) {
    const [href, options, choice] = prepare(url, init);
    x.esw_options_free(options);
    return { url: href, withCredentials: (choice & 8) !== 0, transport: TRANSPORTS[choice & 3] };
  }

  get readyState() {
    return this.es ? this.es.readyState : this.h ? x.esw_state(this.h) : this.waiting ? 0 : 2;
  }

  /**
   * Runs `tell` (a report to the engine), then carries out what the engine asks. A trap out of
   * the engine (a panic) kills this source only: it is never called into again.
   */
  step(tell) {
    const w = this.waiting;
    if (w) {
      if (tell) w.queue.push(() => this.step(tell));
      else if (w.first && !w.sent) {
        w.sent = true;
        this.send(w.first, w.first[4]);
      }
      return;
    }
    if (!this.h) return;
    try {
      if (tell) tell();
      this.pump();
    } catch (error) {
      this.crash(error);
    }
  }

  pump() {
    let command;
    // `this.h`, not a copy: page code run by `emit` may close (and free) the source.
    while (this.h && (command = x.esw_poll(this.h, now())) >= 0) {
      const n = numbers();
      switch (command) {
        case CMD_REQUEST:
          this.send(n, text());
          break;
        case CMD_ASK_HEADERS:
          this.askHeaders(n[0], n[1], text());
          break;
        case CMD_ABORT: {
          const abort = this.abort;
          this.abort = null;
          if (abort) abort();
          break;
        }
        case CMD_OPEN:
          this.origin = text();
          this.emit(EMIT_OPEN, this.origin, 0, 0);
          break;
        case CMD_ERROR: {
          const closed = n[1] === 2;
          if (closed) this.release(); // (calls nothing in the engine: its text and numbers stay)
          // About a refused response (n[3]): its headers go with its body.
          this.emit(closed ? EMIT_ERROR_CLOSED : EMIT_ERROR_RECONNECTING, text(), n[0], n[2], n[3] ? this.head() : undefined);
          break;
        }
        case CMD_ASK_RECONNECT:
          this.askReconnect(n[0], n[1], n[2], text());
          break;
        case CMD_TRANSPORT:
          this.transport = text();
          this.emit(EMIT_TRANSPORT, this.transport, 0, 0);
          break;
      }
    }
    this.arm();
  }

  /** Starts a request: `n` its numbers (generation, flags, credentials), `lines` its text. */
  send(n, lines) {
    const [url, method, ...headers] = lines.split('\n');
    const fns = this.fns;
    this.abort = request(this.reporter(n[0]), n[1], url, method, headers, n[1] & 2 ? fns.body : undefined, n[2], fns.fetch);
  }

  /** The function a request reports through (see js/host.js), for request `generation`. */
  reporter(generation) {
    return (kind, a, b, c, d, e, f, g) => {
      const w = this.waiting;
      if (w) {
        // Told once the source runs (a chunk copied: its buffer serves the next read).
        if (kind === REPORT_BYTES) a = a.slice();
        w.queue.push(() => this.reporter(generation)(kind, a, b, c, d, e, f, g));
        return true;
      }
      if (!this.h) return false;
      this.step(() => {
        const h = this.h;
        const t = now();
        if (kind === REPORT_RESPONSE) {
          this.head = g; // its headers, for an error about it
          const present = (c != null ? 1 : 0) | (d != null ? 2 : 0) | (e != null ? 4 : 0);
          x.esw_response(h, generation, t, a, present, wallClock(), put(`${b}\n${c ?? ''}\n${d ?? ''}\n${e ?? ''}\n${f}`));
        } else if (kind === REPORT_BYTES || kind === REPORT_TEXT) {
          const length = kind === REPORT_BYTES ? putBytes(a) : put(a);
          const packed = x.esw_bytes(h, generation, t, length, kind === REPORT_TEXT ? b : -1);
          if (packed) this.emit(EMIT_MESSAGES, text(packed), 0, 0);
        } else {
          x.esw_report(h, generation, t, kind - 3);
        }
      });
      return this.h !== 0 && x.esw_current(this.h, generation) === 1;
    };
  }

  /** The application's header function, before a connect; the request follows its answer. */
  askHeaders(generation, attempt, lastEventId) {
    const answer = (ok, value) =>
      this.step(() => {
        let length = 0;
        if (ok) {
          try {
            length = put(headerLines(value));
          } catch {
            ok = false;
          }
        }
        x.esw_headers(this.h, generation, now(), ok ? 1 : 0, length);
      });
    // A thrown error or a rejected promise is a failed connection attempt: the reconnection
    // policy applies.
    new Promise((resolve) => resolve(this.fns.headers({ lastEventId, attempt, url: this.url }))).then(
      (value) => answer(true, value),
      () => answer(false),
    );
  }

  /** The application's reconnect hook: `false` gives up, a number re-times. */
  askReconnect(attempt, delay, status, info) {
    const [reason, lastEventId] = info.split('\n');
    let decision = DECIDE_PROCEED;
    let ms = 0;
    try {
      const value = this.fns.onReconnect({ attempt, delay, reason, status, lastEventId });
      if (value === false) decision = DECIDE_GIVE_UP;
      else if (typeof value === 'number' && value >= 0 && value < Infinity) {
        decision = DECIDE_DELAY;
        ms = value;
      }
    } catch {
      // A throwing hook must not leave the source stuck: carry on as planned.
    }
    x.esw_decide(this.h, now(), decision, ms);
  }

  /** Arms the one timer for the engine's next deadline (an earlier one armed stays: it re-arms). */
  arm() {
    if (!this.h) return;
    const deadline = x.esw_deadline(this.h);
    if (deadline < 0 || deadline >= this.at) return;
    if (this.timer !== null) cancel(this.timer);
    this.at = deadline;
    this.timer = timer(Math.max(0, deadline - now()), () => {
      this.timer = null;
      this.at = Infinity;
      this.step(() => x.esw_tick(this.h, now()));
    });
  }

  /** The native transport reports a message type only to a listener for it. */
  listen(type) {
    if (!this.types || type === 'open' || type === 'error' || this.types.has(type)) return;
    this.types.set(type, listen(this.es, type, (t, data, lastEventId, origin) => {
      if (origin !== this.origin) {
        this.origin = origin;
        this.emit(EMIT_ORIGIN, origin, 0, 0);
      }
      this.emit(EMIT_MESSAGES, packEvent(t, lastEventId, data), 0, 0);
    }));
  }

  /**
   * The native transport: the browser's source, whose message events the caller now forwards
   * itself, straight from its listener to the page's (opening, errors and states still come
   * through `emit`).
   */
  takeNative() {
    if (!this.es) return undefined;
    this.types.forEach((stop) => stop());
    this.types = null;
    return this.es;
  }

  nativeError() {
    const closed = this.es.readyState === 2;
    if (closed) this.release();
    // The native class tells nothing more; neither can we.
    this.emit(closed ? EMIT_ERROR_CLOSED : EMIT_ERROR_RECONNECTING, 'native\r\r', 0, -1);
  }

  close() {
    if (this.h) this.step(() => x.esw_close(this.h));
    this.release();
  }

  /** Lets go of everything: the request, the timer, the page's events, the native source. */
  release() {
    this.waiting = null;
    if (this.abort) this.abort();
    this.abort = null;
    if (this.timer !== null) cancel(this.timer);
    this.timer = null;
    this.at = -Infinity; // never again
    if (this.unwatch) this.unwatch();
    this.unwatch = null;
    if (this.es) {
      closeNative(this.es);
      if (this.types) this.types.forEach((stop) => stop());
      this.types = null;
    }
  }

  free() {
    this.release();
    if (this.h) {
      // Keep what the getters tell after the engine lets go.
      this.lastId = this.lastEventId;
      this.retryMs = this.reconnectionTime;
      x.esw_free(this.h);
    }
    this.h = 0;
  }

  /** A bug made the engine trap while serving this source: it is dead, the others go on. */
  crash(error) {
    this.h = 0; // never called into again (its memory is left as the trap left it)
    this.release();
    this.emit(EMIT_CRASHED, panicMessage(error), 0, -1);
    // Error monitoring sees the bug: the trap reaches the page once, as a rejection nobody handles.
    Promise.reject(error);
  }
}

// The constructor's path, run once at import on a URL that is never requested: wasm and
// JavaScript engines compile a function on its first call, and that call is better made here
// than in the first constructor. Measured in Chromium, with the first event no later: the
// engine's functions took 0.7 ms out of the first constructor (1.3–1.6 → 0.7–0.8 ms); then the
// JavaScript's, 120 runs each, the fetch transport's 1.67 → 1.44 ms and the native transport's
// 1.31 → 1.02 ms. (Marking the whole bundle for eager compilation instead, V8's
// `allFunctionsCalledOnLoad`, halved every constructor but made the module's load 2–4 ms
// longer, more than it saved.)
if (x) {
  try {
    const [, options] = prepare('http://a/', { transport: 'auto' });
    x.esw_lifecycle_bits(options);
    // The front's: what a source of our own transports starts with (the whole engine has none).
    if (x.esw_first) {
      x.esw_first(options, TRANSPORTS.indexOf('fetch'), 0, put('http://a/'));
      x.esw_initial(options);
    }
    x.esw_options_free(options);
  } catch {
    // A platform that cannot resolve the URL (the legacy script's URL stand-in in a worker, say)
    // goes without: warming is never worth an exception at import.
  }
}
