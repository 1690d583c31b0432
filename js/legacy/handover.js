// How the legacy engine file hands its engine to the legacy script (js/legacy/engine-file.js to
// js/legacy/load-whole.js): the property it sets on the <script> element marked with the
// attribute, or in a worker on the global object.
export const KEY = 'eventsourceWasmEngine';
export const ATTRIBUTE = 'data-eventsource-wasm-engine';
