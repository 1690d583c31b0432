// With ?preload=1, the page runs the legacy script's engine file itself, before the script (as a
// page that knows it needs the engine may, so that the browser fetches both at once): the script
// must take the engine over, leave no global behind and not fetch the file again. A parser-
// inserted script, so that it runs before the legacy script, as one written in the page would.
// (Its URL has a query, which the script's own never has: a second fetch, by the script, would
// count twice in cases.js `engineFetches`.)
if (/[?&]preload=1/.test(location.search)) document.write('<script src="/dist/eventsource-wasm.legacy-engine.js?by=page"><\/script>');
