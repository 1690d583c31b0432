// ES module entry of the npm package.
export { EventSource, EventSourceErrorEvent } from './event-source.js';
export { EventSource as default } from './event-source.js';
