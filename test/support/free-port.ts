import { createServer } from 'node:net';

// Ports handed out here lie below Linux's ephemeral range (32768+), where every server listening on
// port 0 gets its port: otherwise a port found free could be taken by such a server before the test
// that asked for it binds it (seen: a restart-on-the-same-port test failing under parallel suites).
const FIRST_PORT = 20_000;
const PORT_COUNT = 12_000;

/** A TCP port that was free a moment ago, for servers a test must restart on the same port. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIRST_PORT + Math.floor(Math.random() * PORT_COUNT);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
