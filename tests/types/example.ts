// Compiled with `tsc --noEmit` by the test command: the shipped declarations must type a
// realistic use of every option, and reject misuse (the @ts-expect-error lines).
import EventSourceDefault, { EventSource, EventSourceErrorEvent, type EventSourceInit } from 'eventsource-wasm';

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
  void reason, status, delay, (event instanceof EventSourceErrorEvent);
});
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

void readyState, transport, stream, consume, EventSource.CLOSED, lastEventId, reconnectionTime, fromPost;

// `using` closes the source at the end of the block (the declarations bring `Symbol.dispose`
// where the project's `lib` predates it).
export function scoped(): number {
  using source = new EventSource('/scoped');
  return source.readyState;
}
