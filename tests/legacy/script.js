// Writes the legacy script's <script> element (parser-inserted, so that it runs in its place in
// the page, as one written there would): from /dist/, or with ?dir=PATH from that folder (the
// runner serves /lonely/ with the script alone, no engine file beside it).
// With ?preload=1 the page runs the script's engine file itself first (as a page that knows it
// needs the engine may, so that the browser fetches both at once): the script must take the
// engine over, leave no global behind and not fetch the file again. (That URL has a query, which
// the script's own never has: a second fetch, by the script, would count twice in cases.js
// `engineFetches`.)
(function () {
  var dir = /[?&]dir=([^&]*)/.exec(location.search);
  if (/[?&]preload=1/.test(location.search)) document.write('<script src="/dist/eventsource-wasm.legacy-engine.js?by=page"><\/script>');
  document.write('<script src="' + (dir ? decodeURIComponent(dir[1]) : '/dist/') + 'eventsource-wasm.legacy.js"><\/script>');
})();
