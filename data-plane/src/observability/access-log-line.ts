// The access-log line, serialised by hand and written straight to the logger's destination. It is the
// line `logger.info(fields, 'request')` writes, byte for byte: pino's own level prefix, time and
// bindings (through pino.symbols, pino's interface for integrations), the fields in the same order, the
// message last, undefined members left out and non-finite numbers as null. Why by hand: pino's generic
// serialiser (a for-in over the object, a character loop over every key and short string) cost about
// 11 µs per line on the bench machine against about 3 µs for a string template. The line is written as
// UTF-8 bytes (shared/src/json-bytes.ts, the spool record's writers) straight into the batched stdout's
// batch (shared/src/batched-stdout.ts): no string per piece or per number, no line string, and no
// joining and encoding of the batch's strings later (docs/observability.md, Cost). A destination that
// takes only strings (a test's, pino-pretty's worker) gets the same bytes as one string. Only the data
// plane's logger is written to this way: plain pino, no formatters, mixins or hooks (shared/src/logger.ts).
import pino from 'pino';
import type { PutLine } from '../../../shared/src/batched-stdout.ts';
import type { Logger } from '../../../shared/src/logger.ts';
import { asciiBytes, JSON_NUMBER_BOUND, jsonStringBound, putBytes, putJsonNumber, putJsonString } from '../../../shared/src/json-bytes.ts';
import type { EndedRequest, RouteTelemetry } from './request-telemetry.ts';

const { lsCacheSym, timeSym, chindingsSym, streamSym } = pino.symbols;

/** pino's numeric levels of the two access-log levels. */
export const ACCESS_LEVEL = { debug: 20, info: 30 } as const;

export type AccessLineWriter = (level: number, request: EndedRequest, status: number, errorCode: string | null, latencyMs: number) => void;

/** A destination that also takes lines as bytes (the batched stdout). */
interface ByteDestination {
  write(line: string): unknown;
  writeBytes?(bound: number, put: PutLine): void;
}

// Constant text is joined to the piece before it where it can be (the level's prefix, the bindings, the
// route's and the caller's bytes): fewer pieces to copy.
const TIME = ',"time":';
const REQUEST_ID = ',"requestId":';
const STATUS = ',"status":';
const ERROR = asciiBytes(',"error":');
const BYOK = ',"byok":';
/** byok and streamed, then the input tokens' name: the four ways, by byok * 2 + streamed. */
const FLAGS = [false, true].flatMap((byok) => [false, true].map((streamed) => asciiBytes(`${byok},"streamed":${streamed},"inputTokens":`)));
const OUTPUT_TOKENS = asciiBytes(',"outputTokens":');
const CACHE_READ_TOKENS = asciiBytes(',"cacheReadTokens":');
const COST_MICROS = asciiBytes(',"costMicros":');
const TTFT_MS = asciiBytes(',"ttftMs":');
const UPSTREAM_LATENCY_MS = asciiBytes(',"upstreamLatencyMs":');
const LATENCY_MS = asciiBytes(',"latencyMs":');
const ATTEMPTS = asciiBytes(',"attempts":');
const END = asciiBytes(',"msg":"request"}\n');
/** The constant pieces of a line together, with room to spare: the bound counts each once. */
const CONSTANT_BOUND = 256;
/** Eight numbers, the two booleans and the time at most. */
const NUMBERS_BOUND = 11 * JSON_NUMBER_BOUND;

/** Writes one request's access-log line at `level`, to `logger`'s destination. */
export function accessLineWriter(logger: Logger): AccessLineWriter {
  const fields = logger as unknown as Record<symbol, unknown>;
  const levelPrefixes = fields[lsCacheSym] as Record<number, string>;
  const time = fields[timeSym] as () => string;
  const epochTime = time === pino.stdTimeFunctions.epochTime;
  const stream = fields[streamSym] as ByteDestination;
  const prefixes = new Map<number, Buffer>();
  let bindings = '';
  let bindingsBytes: Buffer = Buffer.alloc(0);
  // What repeats from one request to the next (the route, the caller and the model) is kept as the bytes
  // of the last line's: a busy data plane escapes it once, not per line.
  let route: RouteTelemetry | null = null;
  let routeBytes: Buffer = Buffer.alloc(0);
  const caller: Array<string | null> = [];
  let callerBytes: Buffer = Buffer.alloc(0);
  // The line being written, read by put.
  let prefix: Buffer = Buffer.alloc(0);
  let timeText = '';
  let line!: EndedRequest;
  let lineStatus = 0;
  let lineError: string | null = null;
  let lineLatency = 0;
  let attemptsText = '';
  let scratch = Buffer.allocUnsafe(4096);

  const put: PutLine = (out, at) => {
    // The level's prefix, and the time's name when the time is pino's epochTime.
    at = putBytes(out, at, prefix);
    if (epochTime) at = putJsonNumber(out, at, Date.now());
    else at += out.write(timeText, at, 'utf8');
    at = putBytes(out, at, bindingsBytes);
    at = putJsonString(out, at, line.requestId);
    at = putBytes(out, at, routeBytes);
    at = putJsonNumber(out, at, lineStatus);
    at = putBytes(out, at, ERROR);
    at = putJsonString(out, at, lineError);
    const usage = line.usage;
    if (usage !== null) {
      at = putBytes(out, at, callerBytes);
      at = putBytes(out, at, FLAGS[(usage.byok ? 2 : 0) + (usage.streamed ? 1 : 0)] as Buffer);
      at = putJsonNumber(out, at, usage.promptTokens);
      at = putNumberMember(out, at, OUTPUT_TOKENS, usage.completionTokens);
      at = putNumberMember(out, at, CACHE_READ_TOKENS, usage.cacheReadTokens);
      at = putNumberMember(out, at, COST_MICROS, usage.costMicros);
      at = putNumberMember(out, at, TTFT_MS, usage.ttftMs);
      at = putNumberMember(out, at, UPSTREAM_LATENCY_MS, usage.upstreamLatencyMs);
    }
    at = putNumberMember(out, at, LATENCY_MS, Math.round(lineLatency * 10) / 10);
    if (line.attempts !== null) {
      at = putBytes(out, at, ATTEMPTS);
      at += out.write(attemptsText, at, 'utf8');
    }
    return putBytes(out, at, END);
  };

  return (level, request, status, errorCode, latencyMs) => {
    const usage = request.usage;
    let levelPrefix = prefixes.get(level);
    if (levelPrefix === undefined) prefixes.set(level, (levelPrefix = Buffer.from(`${levelPrefixes[level] as string}${epochTime ? TIME : ''}`)));
    const lineBindings = fields[chindingsSym] as string;
    if (lineBindings !== bindings) bindingsBytes = Buffer.from(`${(bindings = lineBindings)}${REQUEST_ID}`);
    if (request.route !== route) {
      route = request.route;
      routeBytes = Buffer.from(`,"route":${text(route.route)},"door":${text(route.door)}${STATUS}`);
    }
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
        callerBytes = Buffer.from(
          `,"org":${text(orgId)},"user":${text(userId)},"keyId":${text(apiKeyId)},"model":${text(requestedModel)},"servedModel":${text(servedModel)},"provider":${text(provider)}${BYOK}`,
        );
      }
    }
    prefix = levelPrefix;
    if (!epochTime) timeText = time();
    line = request;
    lineStatus = status;
    lineError = errorCode;
    lineLatency = latencyMs;
    attemptsText = request.attempts === null ? '' : JSON.stringify(request.attempts);
    const bound =
      CONSTANT_BOUND +
      NUMBERS_BOUND +
      prefix.length +
      3 * timeText.length +
      bindingsBytes.length +
      jsonStringBound(request.requestId.length) +
      routeBytes.length +
      jsonStringBound(errorCode === null ? 4 : errorCode.length) +
      (usage === null ? 0 : callerBytes.length) +
      3 * attemptsText.length;
    if (stream.writeBytes !== undefined) return stream.writeBytes(bound, put);
    if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
    stream.write(scratch.toString('utf8', 0, put(scratch, 0)));
  };
}

/** `name` (its comma, quotes and colon included) and the number. */
function putNumberMember(out: Buffer, at: number, name: Buffer, value: number | null): number {
  return putJsonNumber(out, putBytes(out, at, name), value);
}

function text(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}
