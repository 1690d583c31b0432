// Type declarations of the npm package `eventsource-wasm`.

/** Headers in any form `fetch` takes. */
export type HeadersLike = Headers | Record<string, string> | [string, string][];

/** What a `headers` function is told before each connect and reconnect. */
export interface ConnectInfo {
  /** The last event ID ('' before any). */
  lastEventId: string;
  /** Reconnects in a row since the last successful open (0 for the first connect). */
  attempt: number;
  /** The resolved URL of the source. */
  url: string;
}

/** What `reconnect.onReconnect` is told before each reconnect. */
export interface ReconnectInfo {
  attempt: number;
  /** Milliseconds the source intends to wait. */
  delay: number;
  reason: ErrorReason;
  /** HTTP status that caused it, or 0. */
  status: number;
  lastEventId: string;
}

/** The reconnection policy. Without it the standard's: wait the reconnection time, forever. */
export interface ReconnectOptions {
  /** First delay before the server sends `retry:` (default 3000 ms). */
  delay?: number;
  /** Each failed attempt in a row multiplies the delay by this (default 2). */
  backoff?: number;
  /** Cap on the backed-off delay (default 60000 ms); never lowers the server's `retry:`. */
  maxDelay?: number;
  /** Fraction of the delay randomly taken off, 0–1 (default 0.2). */
  jitter?: number;
  /** Give up (CLOSED, error with reason 'gave-up') after this many failed attempts in a row (default Infinity). */
  maxAttempts?: number;
  /** Reconnect on 429 and 503, after `Retry-After` when given (default true). */
  retryAfter?: boolean;
  /** Return `false` to give up, a number of milliseconds to wait that long instead, anything else to go ahead. */
  onReconnect?: (info: ReconnectInfo) => boolean | number | void;
}

export type Transport = 'auto' | 'native' | 'fetch' | 'xhr' | 'longpoll';

export interface EventSourceInit {
  /** As the standard: send cookies cross-origin. */
  withCredentials?: boolean;
  /** How to connect (default 'auto': native where it can do the job, else fetch, xhr, longpoll). */
  transport?: Transport;
  /** Request headers, or a (possibly async) function returning them before every connect. */
  headers?: HeadersLike | ((info: ConnectInfo) => HeadersLike | Promise<HeadersLike>);
  /** HTTP method (default 'GET'). */
  method?: string;
  /** Request body, sent again on every reconnect (so not a one-shot stream). */
  body?: string | Blob | ArrayBuffer | ArrayBufferView | FormData | URLSearchParams | null;
  /** Overrides withCredentials (fetch transport: all three; xhr: not 'omit'). */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** A fetch to use instead of the global one (fetch transport). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** How the last event ID travels on reconnect: 'auto' = the header, moving to the query for good when a cross-origin server refuses its preflight. */
  lastEventIdIn?: 'auto' | 'header' | 'query' | 'both';
  /** Name of the query parameter (default 'lastEventId'). */
  lastEventIdParam?: string;
  /** Start as if this event ID had been received (sent on the first request). */
  lastEventId?: string;
  reconnect?: ReconnectOptions;
  /** Reconnect when no byte arrived for this many milliseconds (error reason 'timeout'). */
  heartbeatTimeout?: number;
  /** Largest line or event data, in bytes (default 16 MiB); more fails the source with reason 'size-limit'. */
  maxEventSize?: number;
  /** Reconnect at once when the browser comes back online. */
  reconnectOnOnline?: boolean;
  /** Reconnect at once when the page is restored from the back/forward cache. */
  reconnectOnPageShow?: boolean;
  /**
   * Disconnect while the page is hidden, or frozen (Page Lifecycle `freeze`, as Chromium does to
   * background tabs); resume from the last event ID when it is shown (`resume`d) again.
   */
  pauseWhenHidden?: boolean;
  /**
   * Dispatch the server's comments (`: keep-alive`, `:` heartbeats) as `comment` events whose
   * `data` is the text after the colon and one optional space. Needs our own transport: with
   * `transport: 'native'` the constructor throws a TypeError.
   */
  comments?: boolean;
  /**
   * How many bytes of a refused response's body (a status other than 200, or not
   * `text/event-stream`) the `error` event carries as `body`, read for at most a second
   * (default 4096; 0: none). Our transports only: the native one shows no body.
   */
  errorBody?: number;
  /**
   * Share one connection among sources with the same URL and options: in this page (`true`),
   * or across the tabs of this origin (`'tabs'`: one tab holds the connection, elected with
   * Web Locks, and relays over BroadcastChannel; another takes over when it closes).
   */
  share?: boolean | 'tabs';
}

export type ErrorReason =
  | 'network'
  | 'end-of-stream'
  | 'http-status'
  | 'content-type'
  | 'timeout'
  | 'size-limit'
  | 'gave-up'
  | 'aborted'
  /** A cross-origin response (or preflight) that CORS refused: the source is closed. */
  | 'cors'
  /** A URL that cannot be fetched (not http, https, data or blob): the source is closed. */
  | 'url-scheme'
  /** The `fetch` option gave no response with a readable body: the source is closed. */
  | 'not-a-response'
  /**
   * The package's engine, loaded when a source of our own transports is first made (the file
   * `engine-full.js` beside the package's bundle, or `eventsource-wasm.core.mjs` where
   * WebAssembly is refused), could not be loaded; `message` says what failed. The source is closed.
   */
  | 'load'
  | 'internal'
  | 'native';

export interface EventSourceErrorEventInit extends EventInit {
  reason?: ErrorReason;
  status?: number;
  statusText?: string;
  reconnectDelay?: number | null;
  headers?: HeadersInit;
  body?: string;
}

/** The `error` event: an `Event`, with the details the standard one hides. */
export declare class EventSourceErrorEvent extends Event {
  constructor(type: string, init?: EventSourceErrorEventInit);
  readonly reason: ErrorReason;
  readonly status: number;
  readonly statusText: string;
  /** Milliseconds until the next attempt, or null when the source is closed. */
  readonly reconnectDelay: number | null;
  /**
   * A refused response's headers (status other than 200, or not `text/event-stream`): cross-origin,
   * only those CORS lets the page see (`Access-Control-Expose-Headers`). Empty for other errors.
   */
  readonly headers: Headers;
  /** The start of a refused response's body, as text (at most `errorBody` bytes); '' for other errors. */
  readonly body: string;
  /** What happened, as a sentence (as the `eventsource` package's error events tell it). */
  readonly message: string;
  /** The HTTP status when a response caused it (as the `eventsource` package's `code`). */
  readonly code: number | undefined;
}

declare global {
  // `Symbol.dispose` and `Disposable` (explicit resource management: `using`), for projects whose
  // `lib` predates them: the same declarations as TypeScript's lib.esnext.disposable, with which
  // they merge.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
}

export interface EventSourceEventMap {
  open: Event;
  message: MessageEvent<string>;
  error: EventSourceErrorEvent;
  /** With `comments: true`: a comment of the stream, its text as `data`. */
  comment: MessageEvent<string>;
}

/** The standard `EventSource`, plus options, details and iteration. */
export declare class EventSource extends EventTarget {
  constructor(url: string | URL, init?: EventSourceInit);
  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSED: 2;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  readonly url: string;
  readonly withCredentials: boolean;
  readonly readyState: 0 | 1 | 2;
  /** The transport in use (it may change from 'fetch' or 'xhr' to 'longpoll' behind a buffering proxy); 'stream' for a source made by `fromReadableStream`. */
  readonly transport: Exclude<Transport, 'auto'> | 'stream';
  /** The last event ID ('' before any): what a reconnect resumes from. */
  readonly lastEventId: string;
  /** The reconnection time in milliseconds: the server's last `retry:`, else the default (3000). The native transport cannot see `retry:`. */
  readonly reconnectionTime: number;
  /**
   * An EventSource fed from a stream of bytes (a `fetch()` POST response's body, say) instead of
   * a request of its own (the coming standard, whatwg/html#12272): `url` 'about:event-stream',
   * CONNECTING until the first read, then OPEN; the stream's end or error fires one `error` and
   * closes it (no reconnect). Throws a TypeError for a locked stream.
   */
  static fromReadableStream(stream: ReadableStream<Uint8Array>): EventSource;
  /** Drops what was buffered of an event not yet dispatched (before piping in a new stream); the last event ID stays. */
  reset(): void;
  /** `using source = new EventSource(url)` closes it at the end of the block. */
  [Symbol.dispose](): void;
  onopen: ((this: EventSource, ev: Event) => any) | null;
  onmessage: ((this: EventSource, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: EventSource, ev: EventSourceErrorEvent) => any) | null;
  close(): void;
  /** The `message` events; leaving a `for await` loop closes the source. */
  [Symbol.asyncIterator](): AsyncIterableIterator<MessageEvent<string>>;
  events(types?: string[]): AsyncIterableIterator<MessageEvent<string>>;
  stream(types?: string[]): ReadableStream<MessageEvent<string>>;
  addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: (this: EventSource, ev: EventSourceEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: (this: EventSource, ev: MessageEvent<string>) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: (this: EventSource, ev: EventSourceEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

export default EventSource;
