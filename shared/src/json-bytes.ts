// JSON written as bytes straight into a buffer, the bytes JSON.stringify's text has in UTF-8: for the
// usage spool's record and the data plane's access-log line, written once per request, where a string
// template allocates a cons string per piece and the checksum and the write then flatten it into copies (docs/architecture.md, "Where the time
// goes"). The caller makes room: jsonStringBound per string.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;
const POINT = 0x2e;
const NULL = asciiBytes('null');
const TRUE = asciiBytes('true');
const FALSE = asciiBytes('false');
/** UTF-8 bytes a UTF-16 unit can take in JSON: `\u001f` is six. */
const MAX_BYTES_PER_UNIT = 6;
/** The longest number String writes (`-1.2345678901234567e-300`), with room to spare. */
export const JSON_NUMBER_BOUND = 32;

/** The bytes of a text of printable ASCII (member names, punctuation), made once. */
export function asciiBytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** At most the bytes putJsonString writes for a string of `length` UTF-16 units (quotes included). */
export function jsonStringBound(length: number): number {
  return 2 + MAX_BYTES_PER_UNIT * length;
}

/**
 * Held once and called with .call: `out.set` on a Buffer is a named load that V8 11 (Node 20), compiling
 * off the main thread, leaves a generic LoadIC call (docs/architecture.md, Where the time goes).
 */
const setBytes = Uint8Array.prototype.set;

/** Writes `piece` at `at`; returns where it ends. */
export function putBytes(out: Buffer, at: number, piece: Uint8Array): number {
  setBytes.call(out, piece, at);
  return at + piece.length;
}

export function putJsonBoolean(out: Buffer, at: number, value: boolean): number {
  return putBytes(out, at, value ? TRUE : FALSE);
}

/** A string (or null) as JSON.stringify writes it: printable ASCII byte by byte, anything else by JSON.stringify itself. */
export function putJsonString(out: Buffer, at: number, value: string | null): number {
  if (value === null) return putBytes(out, at, NULL);
  const start = at;
  out[at++] = QUOTE;
  for (let index = 0; index < value.length; index += 1) {
    const unit = value.charCodeAt(index);
    if (unit < 0x20 || unit > 0x7e || unit === QUOTE || unit === BACKSLASH) return start + out.write(JSON.stringify(value), start, 'utf8');
    out[at++] = unit;
  }
  out[at++] = QUOTE;
  return at;
}

/** The usage event's timings: milliseconds kept to three decimals (request-meter.ts), below this. */
const MILLIS_BOUND = 2 ** 32;

/**
 * A number as JSON writes it (null for null or a non-finite one): a non-negative safe integer, or one of
 * thousandths below 2^32 (the event's timings), digit by digit; any other by String. Why not String
 * always: it makes a string and the write is a native call, about 130 ns a timing against 30.
 */
export function putJsonNumber(out: Buffer, at: number, value: number | null): number {
  if (value === null || !Number.isFinite(value)) return putBytes(out, at, NULL);
  if (Number.isSafeInteger(value) && value >= 0) return putDigits(out, at, value);
  // String writes a value's shortest decimal that reads back as it. For thousandths of this size the
  // doubles of two such decimals are far more than an ulp apart, so a value that is exactly k / 1000
  // (as Math.round(x * 1000) / 1000 makes it) is written as k's digits with the point three from the
  // right and the trailing zeros dropped. Negative zero, exponents and the rest go to String.
  const thousandths = Math.round(value * 1000);
  if (!(value > 0 && value < MILLIS_BOUND && thousandths / 1000 === value && value >= 0.001)) {
    return at + out.write(String(value), at, 'latin1');
  }
  at = putDigits(out, at, Math.floor(value));
  let fraction = thousandths % 1000;
  if (fraction === 0) return at;
  out[at++] = POINT;
  let scale = 100;
  while (fraction !== 0) {
    const digit = Math.floor(fraction / scale);
    out[at++] = ZERO + digit;
    fraction -= digit * scale;
    scale /= 10;
  }
  return at;
}

/** A non-negative safe integer's digits. */
function putDigits(out: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  let rest = value;
  for (let index = at + digits - 1; index >= at; index -= 1) {
    out[index] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}
