// The unit lane stays quick because its tests touch nothing but memory and temporary files. A test that
// listens, connects, starts a process or opens a database belongs in the listener lane: this setup file
// makes it fail in the unit lane with a message saying so, instead of quietly slowing the lane down.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { Server, Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';

function refuse(what: string): never {
  throw new Error(`a unit test ${what}: list its file under the listener project in vitest.config.ts`);
}

Server.prototype.listen = function listen() {
  refuse('may not listen on a socket');
};
Socket.prototype.connect = function connect() {
  refuse('may not open a connection');
};
const processStarters: Record<string, unknown> = childProcess;
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  processStarters[name] = () => refuse('may not start a process');
}
syncBuiltinESMExports(); // so that `import { spawn } from 'node:child_process'` gets the refusal too
PGlite.create = () => refuse('may not open a database');
