// What a source reports to the class, and a shared connection to its subscribers (js/source.js,
// js/share.js, js/later.js → js/event-source.js): `emit(kind, text, num, extra, more)`. Its own
// module of constants only, which the bundler inlines wherever they are used, so that a chunk
// loaded on use (js/share.js) can use them without pulling a module into a chunk of its own.

export const EMIT_OPEN = 0; // text: origin of the response
export const EMIT_MESSAGES = 1; // text: events packed as js/protocol.js's packEvent does (a comment is an event of type 'comment')
export const EMIT_ERROR_RECONNECTING = 2; // text: reason CR sentence (may be empty) CR statusText [CR body]; num: HTTP status or 0; extra: ms until the reconnect;
// more: a refused response's headers as [name, value] pairs (with the body: the error is about it)
export const EMIT_ERROR_CLOSED = 3; // as above, extra: -1
export const EMIT_ORIGIN = 4; // later events come from origin `text`
export const EMIT_TRANSPORT = 5; // the transport is now `text`
export const EMIT_CRASHED = 6; // a bug in the engine: text is the message; the source is dead
