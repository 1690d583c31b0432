// The numbers and formats shared by the class, its sources and the engine: the JavaScript twin
// of src/npm/protocol.rs (change both together). Everything here is a constant the bundler
// inlines.

// The options the class reads, in the order of their keys for the engine (`a.b` is property
// `b` of option `a`, read only when `a` is an object).
export const OPTION_NAMES = 'withCredentials share transport headers method body credentials fetch lastEventIdIn lastEventIdParam lastEventId reconnect reconnect.delay reconnect.backoff reconnect.maxDelay reconnect.jitter reconnect.maxAttempts reconnect.retryAfter reconnect.onReconnect heartbeatTimeout maxEventSize reconnectOnOnline reconnectOnPageShow pauseWhenHidden comments errorBody';
export const HEADERS_KEY = 3;

// The JavaScript type of an option's value.
export const TAG_NULL = 1;
export const TAG_BOOL = 2;
export const TAG_NUMBER = 3;
export const TAG_STRING = 4;
export const TAG_FUNCTION = 5;
export const TAG_OBJECT = 6;
export const TAG_HEADERS = 7;
export const TAG_BAD_HEADERS = 8;
export const TAG_OTHER = 9;

// The exception an option error becomes (else a NotSupportedError).
export const ERROR_TYPE = 1;
export const ERROR_SYNTAX = 3;

// What the engine asks for (esw_poll).
export const CMD_REQUEST = 0; // nums: generation, flags (1 XHR, 2 body, 4 cross-origin), credentials; text: URL, method, header names and values, one per line
export const CMD_ASK_HEADERS = 1; // nums: generation, attempt; text: last event ID
export const CMD_ABORT = 2;
export const CMD_OPEN = 3; // text: origin
export const CMD_ERROR = 4; // nums: status, ready state, ms until the reconnect or -1, 1 if about a refused response; text: as EMIT_ERROR_*
export const CMD_ASK_RECONNECT = 5; // nums: attempt, delay, status; text: reason LF last event ID
export const CMD_TRANSPORT = 6; // text: the transport's name

// How a request ended (esw_report).
export const END_CLEAN = 0;
export const END_NETWORK_ERROR = 1;
export const END_ABORTED = 2;
export const END_CORS = 3;
export const END_NOT_A_RESPONSE = 4;

// What the reconnect hook decided (esw_decide).
export const DECIDE_PROCEED = 0;
export const DECIDE_DELAY = 1;
export const DECIDE_GIVE_UP = 2;

// The transports, by the number the engine gives them.
export const TRANSPORTS = ['native', 'fetch', 'xhr', 'longpoll'];

/** Packs one event as the engine does: `type CR id CR data CR`, the type `message` as ''. */
export function packEvent(type, lastEventId, data) {
  return `${type === 'message' ? '' : type}\r${lastEventId}\r${data}\r`;
}
