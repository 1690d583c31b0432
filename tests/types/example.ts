// Compiled with `tsc --noEmit` by the test command: the shipped declarations must type a
// realistic use of every option, and reject misuse (the @ts-expect-error lines).
import EventSourceDefault, { EventSource, EventSourceErrorEvent, type ErrorReason, type EventSourceInit } from 'eventsource-wasm';

const init: EventSourceInit = {
  transport: 'fetch',
  headers: async ({ lastEventId, attempt }) => ({ Authorization: `Bearer ${attempt}`, 'X-Last': lastEventId }),
  method: 'POST',
  body: JSON.stringify({ prompt: 'hi' }),
  credentials: 'include',
  fetch: (input, requestInit) => fetch(input, requestInit),
  lastEventIdIn: 'both',
  lastEventIdParam: 'since',
  lastEventId: '42',
  reconnect: {
    delay: 1000,
    backoff: 2,
    maxDelay: 30_000,
    jitter: 0.3,
    maxAttempts: 10,
    retryAfter: true,
    onReconnect: ({ attempt, delay, reason }) => (reason === 'http-status' && attempt > 3 ? false : delay * 2),
  },
  heartbeatTimeout: 45_000,
  maxEventSize: 1 << 20,
  reconnectOnOnline: true,
  reconnectOnPageShow: true,
  pauseWhenHidden: false,
  share: 'tabs',
  comments: true,
  errorBody: 8192,
};

const source = new EventSource(new URL('https://example.invalid/stream'), init);
const readyState: 0 | 1 | 2 = source.readyState;
const transport: 'native' | 'fetch' | 'xhr' | 'longpoll' | 'stream' = source.transport;
source.onmessage = (event) => {
  const data: string = event.data;
  const id: string = event.lastEventId;
  void data, id;
};
source.addEventListener('error', (event) => {
  const reason: string = event.reason;
  const status: number = event.status;
  const delay: number | null = event.reconnectDelay;
  const why: string | null = event.headers.get('www-authenticate');
  const body: string = event.body;
  void reason, status, delay, why, body, (event instanceof EventSourceErrorEvent);
});
source.addEventListener('comment', (event) => {
  const text: string = event.data;
  void text;
});
const made = new EventSourceErrorEvent('error', { reason: 'http-status', status: 401, headers: { 'x-reason': 'expired' }, body: 'expired' });
source.addEventListener('tick', (event) => void event.data.length);
const stream: ReadableStream<MessageEvent<string>> = source.stream(['tick']);

async function consume(): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of new EventSourceDefault('/updates')) {
    seen.push(event.data);
    if (seen.length === 3) break;
  }
  return seen;
}

source.addEventListener('error', (event) => {
  const message: string = event.message;
  const code: number | undefined = event.code;
  const reason: 'cors' | 'url-scheme' | 'not-a-response' | string = event.reason;
  void message, code, reason;
});
const lastEventId: string = source.lastEventId;
const reconnectionTime: number = source.reconnectionTime;

// A POST whose response is an event stream, read by the standard's parser.
async function fromPost(): Promise<void> {
  const response = await fetch('/chat', { method: 'POST', body: JSON.stringify({ prompt: 'hi' }) });
  if (!response.body) return;
  const piped = EventSource.fromReadableStream(response.body);
  piped.reset();
  piped[Symbol.dispose]();
  // @ts-expect-error: a stream of bytes, not of strings
  EventSource.fromReadableStream(new ReadableStream<string>());
}

// @ts-expect-error: not a transport
new EventSource('/x', { transport: 'websocket' });
// @ts-expect-error: readyState is read-only
source.readyState = 1;
// @ts-expect-error: the URL is required
new EventSource();
// @ts-expect-error: errorBody is a number of bytes
new EventSource('/x', { errorBody: '4k' });
// @ts-expect-error: the body is read-only
made.body = '';

// Every reason the class gives, no more and no fewer (a missing key and an unknown one both fail).
const advice: Record<ErrorReason, string> = {
  network: 'retrying', 'end-of-stream': 'retrying', 'http-status': 'check the status', 'content-type': 'check the server',
  timeout: 'retrying', 'size-limit': 'raise maxEventSize', 'gave-up': 'reload', aborted: 'reload', cors: 'fix the CORS headers',
  'url-scheme': 'use http(s)', 'not-a-response': 'fix the custom fetch', load: 'serve engine-full.js', internal: 'report a bug',
  native: 'see the console',
};

void readyState, transport, stream, consume, EventSource.CLOSED, advice, lastEventId, reconnectionTime, fromPost;

// `using` closes the source at the end of the block (the declarations bring `Symbol.dispose`
// where the project's `lib` predates it).
export function scoped(): number {
  using source = new EventSource('/scoped');
  return source.readyState;
}
