// The access-log line, serialised by hand and written straight to the logger's destination. It is the
// line `logger.info(fields, 'request')` writes, byte for byte: pino's own level prefix, time and
// bindings (through pino.symbols, pino's interface for integrations), the fields in the same order, the
// message last, undefined members left out and non-finite numbers as null. Why by hand: pino's generic
// serialiser (a for-in over the object, a character loop over every key and short string) cost about
// 11 µs per line on the bench machine against about 3 µs for this template, on a request whose whole
// data-plane cost is a few hundred µs (docs/observability.md, Cost). Only the data plane's logger is
// written to this way: plain pino, no formatters, mixins or hooks (shared/src/logger.ts).
import pino from 'pino';
import type { Logger } from '../../../shared/src/logger.ts';
import type { EndedRequest, RouteTelemetry } from './request-telemetry.ts';

const { lsCacheSym, timeSym, chindingsSym, streamSym } = pino.symbols;

/** pino's numeric levels of the two access-log levels. */
export const ACCESS_LEVEL = { debug: 20, info: 30 } as const;

export type AccessLineWriter = (level: number, request: EndedRequest, status: number, errorCode: string | null, latencyMs: number) => void;

/** Writes one request's access-log line at `level`, to `logger`'s destination. */
export function accessLineWriter(logger: Logger): AccessLineWriter {
  const fields = logger as unknown as Record<symbol, unknown>;
  const levelPrefixes = fields[lsCacheSym] as Record<number, string>;
  const time = fields[timeSym] as () => string;
  const stream = fields[streamSym] as { write(line: string): unknown };
  // What repeats from one request to the next (the route, the caller and the model) is kept as the text
  // of the last line's: a busy data plane escapes it once, not per line, and the line has fewer pieces.
  let route: RouteTelemetry | null = null;
  let routeText = '';
  const caller: Array<string | null> = [];
  let callerText = '';
  return (level, request, status, errorCode, latencyMs) => {
    const usage = request.usage;
    if (request.route !== route) {
      route = request.route;
      routeText = `,"route":${text(route.route)},"door":${text(route.door)}`;
    }
    let line = `${levelPrefixes[level]}${time()}${fields[chindingsSym] as string},"requestId":${text(request.requestId)}${routeText},"status":${status},"error":${text(errorCode)}`;
    if (usage !== null) {
      const { orgId, userId, apiKeyId, requestedModel, servedModel } = usage;
      const provider = request.provider;
      if (
        caller.length === 0 ||
        orgId !== caller[0] ||
        userId !== caller[1] ||
        apiKeyId !== caller[2] ||
        requestedModel !== caller[3] ||
        servedModel !== caller[4] ||
        provider !== caller[5]
      ) {
        caller.splice(0, caller.length, orgId, userId, apiKeyId, requestedModel, servedModel, provider);
        callerText = `,"org":${text(orgId)},"user":${text(userId)},"keyId":${text(apiKeyId)},"model":${text(requestedModel)},"servedModel":${text(servedModel)},"provider":${text(provider)}`;
      }
      line += `${callerText},"byok":${usage.byok},"streamed":${usage.streamed},"inputTokens":${number(usage.promptTokens)},"outputTokens":${number(usage.completionTokens)},"cacheReadTokens":${number(usage.cacheReadTokens)},"costMicros":${number(usage.costMicros)},"ttftMs":${number(usage.ttftMs)},"upstreamLatencyMs":${number(usage.upstreamLatencyMs)}`;
    }
    line += `,"latencyMs":${number(Math.round(latencyMs * 10) / 10)}`;
    if (request.attempts !== null) line += `,"attempts":${JSON.stringify(request.attempts)}`;
    stream.write(`${line},"msg":"request"}\n`);
  };
}

function text(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function number(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'null' : String(value);
}
