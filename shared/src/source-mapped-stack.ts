// Stack traces mapped to the TypeScript lines when they are logged, not when they are formatted. Under
// tsx every stack Node formats goes through the source maps, and Node formats many nobody reads: its
// stream `destroy` reads the error's `stack` (to release V8's hold on the frames), so each upstream
// connection the peer closes (undici's SocketError) paid for a mapped stack on the request loop. A
// plane that calls `formatStacksUnmapped` once its modules are loaded formats them as V8 does, and its
// logger maps the few it writes (the source maps of the modules loaded so far stay cached).
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Stacks formatted from now on keep the generated positions; `mapStackTrace` maps them when logged. */
export function formatStacksUnmapped(): void {
  process.setSourceMapsEnabled(false);
  // The stack Node prints as the process dies of an uncaught error is read with the source maps again.
  process.once('uncaughtExceptionMonitor', () => process.setSourceMapsEnabled(true));
}

// "    at name (file:line:column)" or "    at file:line:column".
const FRAME = /^(\s+at (?:.+ \()?)(.+):(\d+):(\d+)(\)?)$/;

/** The stack's frames at their source-mapped positions; a stack Node already mapped is returned as is. */
export function mapStackTrace(stack: string): string {
  if (process.sourceMapsEnabled) return stack;
  return stack
    .split('\n')
    .map((line) => {
      const frame = FRAME.exec(line);
      if (frame === null) return line;
      const [, head, file, row, column, tail] = frame as unknown as [string, string, string, string, string, string];
      const entry = findSourceMap(file)?.findEntry(Number(row) - 1, Number(column) - 1);
      if (entry === undefined || !('originalSource' in entry)) return line;
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
      return `${head}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${tail}`;
    })
    .join('\n');
}
