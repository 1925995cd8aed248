// A logger whose lines a test reads: every JSON line pino writes, parsed (records) and as its message (lines).
import pino from 'pino';
import type { Logger } from '../../shared/src/logger.ts';

export interface CapturedLog {
  logger: Logger;
  /** Each line's `msg`. */
  lines: string[];
  /** Each line as written, parsed. */
  records: Array<Record<string, unknown>>;
  /** Each line as written (for scans of the raw output). */
  raw: string[];
}

export function captureLogger(level: pino.Level = 'trace'): CapturedLog {
  const captured: CapturedLog = { logger: null as unknown as Logger, lines: [], records: [], raw: [] };
  captured.logger = pino(
    { level },
    {
      write(line: string) {
        const record = JSON.parse(line) as Record<string, unknown>;
        captured.raw.push(line);
        captured.records.push(record);
        captured.lines.push(String(record.msg));
      },
    },
  );
  return captured;
}
