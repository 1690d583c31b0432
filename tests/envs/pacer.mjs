// A TCP proxy in front of the test server that hands the server's bytes to the client at a steady
// pace (like a real network), for cases that need a big response to arrive over time rather than
// in one lump: on loopback /burst delivers 10 MB before a browser fires its first `progress`.
// Client → server bytes pass through untouched; closing either side closes the other.

import net from 'node:net';

/**
 * @param {{ target: number, bytesPerSecond: number, tickMs?: number }} o
 * @returns {Promise<{ url: string, port: number, close(): Promise<void> }>}
 */
export async function startPacer({ target, bytesPerSecond, tickMs = 10 }) {
  const sockets = new Set();
  const perTick = Math.max(1, Math.round((bytesPerSecond * tickMs) / 1000));
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    const queue = [];
    let queued = 0;
    let ended = false;
    let timer = null;
    const destroy = () => {
      clearInterval(timer);
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    const flush = () => {
      let budget = perTick;
      while (budget > 0 && queue.length) {
        const head = queue[0];
        if (head.length <= budget) {
          queue.shift();
          client.write(head);
          budget -= head.length;
          queued -= head.length;
        } else {
          client.write(head.subarray(0, budget));
          queue[0] = head.subarray(budget);
          queued -= budget;
          budget = 0;
        }
      }
      if (queued < perTick * 8 && upstream.isPaused()) upstream.resume();
      if (!queue.length && ended) {
        clearInterval(timer);
        client.end();
      }
    };
    timer = setInterval(flush, tickMs);
    upstream.on('data', (chunk) => {
      queue.push(chunk);
      queued += chunk.length;
      if (queued >= perTick * 16) upstream.pause();
    });
    upstream.on('end', () => { ended = true; });
    client.pipe(upstream);
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', destroy);
    upstream.on('close', () => { ended = true; }); // flush() ends the client once the queue is empty
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
