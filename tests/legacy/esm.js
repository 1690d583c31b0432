import { EventSource } from '/dist/index.js';

window.EventSourceUnderTest = EventSource;
window.ready = true;
