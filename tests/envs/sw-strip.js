// Imported by sw.js before the package: with ?strip=1 the service worker removes its EventSource
// before eventsource-wasm loads (the package captures the platform's classes when it loads, as
// the service workers of browsers that lacked EventSource never had one to capture).
export const had = typeof self.EventSource;
export const strip = new URL(self.location.href).searchParams.get('strip') === '1';
if (strip) delete self.EventSource;
