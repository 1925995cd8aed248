// Several worker threads listen on one port with SO_REUSEPORT, which would also let a second data plane
// (or anything else setting SO_REUSEPORT) share the port silently and take half the connections: issue 13's
// defect 10, which the single-thread data plane avoids by listening exclusively. So before its workers
// listen, the main thread claims the port: it binds it exclusively (refused if anything listens there;
// port 0 picks a free one), then, while still holding it, takes a lock named after the port (an
// abstract Unix socket, which the kernel releases when the process dies, even by SIGKILL), and only then
// lets go of the exclusive bind for its workers. A second data plane is refused by the bind while the
// first holds it and by the lock after. Abstract sockets are Linux's, as is the port sharing.
import { createServer, type Server } from 'node:net';
import { listenExclusively, uws } from '../http/uws-runtime.ts';

export interface PortClaim {
  port: number;
  /** Lets another data plane take the port (after this one's workers stopped listening). */
  release(): Promise<void>;
}

export async function claimPort(host: string, port: number): Promise<PortClaim> {
  if (process.platform !== 'linux') throw new Error(`DATA_PLANE_WORKERS above 1 needs Linux (SO_REUSEPORT and abstract sockets); this is ${process.platform}`);
  const refused = new Error(`data plane could not listen on ${host}:${port}: the port is in use, or the address is not one of this machine's`);
  const probe = await new Promise<unknown>((resolve, reject) => {
    listenExclusively(uws.App(), host, port, (socket) => (socket ? resolve(socket) : reject(refused)));
  });
  const claimed = uws.us_socket_local_port(probe as Parameters<typeof uws.us_socket_local_port>[0]);
  let lock: Server;
  try {
    lock = await holdLock(`ai-gateway-data-plane:port:${claimed}`);
  } catch {
    throw new Error(`data plane could not listen on ${host}:${claimed}: the port is in use by another data plane`);
  } finally {
    uws.us_listen_socket_close(probe as Parameters<typeof uws.us_listen_socket_close>[0]);
  }
  return {
    port: claimed,
    release: () => new Promise((resolve) => lock.close(() => resolve())),
  };
}

/** Listens on the abstract socket `name`: only one process at a time can. */
function holdLock(name: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((connection) => connection.destroy());
    server.once('error', reject);
    server.listen({ path: `\0${name}` }, () => {
      server.unref();
      resolve(server);
    });
  });
}
