// The providers' recorded wire formats (data-plane/src/providers/<provider>/__fixtures__: the bytes the
// gateway's adapters are tested against) are what the simulators send, so each wire format is written
// down once. A simulator takes an event or a body from a fixture as a template and fills in only what
// its answer varies (ids, model, text, token counts); the fixture's fields, their order, its JSON
// spacing and its event framing stay. Filling a field the fixture does not have is an error, so a
// simulator cannot drift into a shape no provider sends. The fixtures are data read at start: no gateway
// code is imported.
import { readFileSync } from 'node:fs';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

/** Replaces a template's value whole instead of filling it (e.g. a tool call's arguments object). */
export class Whole {
  constructor(readonly value: Json) {}
}
export const whole = (value: Json): Whole => new Whole(value);

/** What to fill in: an object fills the template's object (its key order kept), `undefined` drops the key, anything else replaces it. */
export interface Fill {
  [key: string]: Json | Fill | Whole | undefined;
}

type Provider = 'anthropic' | 'gemini' | 'mistral' | 'openai-compatible';

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Whole);

export function fill(template: JsonObject, values: Fill): JsonObject {
  for (const key of Object.keys(values)) {
    if (!(key in template)) throw new Error(`"${key}" is not a field of the fixture's ${JSON.stringify(template).slice(0, 120)}`);
  }
  const filled: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (!(key in values)) {
      filled[key] = value;
      continue;
    }
    const given = values[key];
    if (given === undefined) continue;
    if (given instanceof Whole) filled[key] = given.value;
    else if (isObject(given)) {
      if (!isObject(value)) throw new Error(`"${key}" is not an object in the fixture`);
      filled[key] = fill(value, given);
    } else filled[key] = given as Json;
  }
  return filled;
}

/** The object at `path` inside a fixture's JSON (a template for a part of it). */
export function objectAt(json: Json | undefined, ...path: Array<string | number>): JsonObject {
  let value: Json | undefined = json;
  for (const step of path) value = Array.isArray(value) ? value[step as number] : isObject(value) ? value[step as string] : undefined;
  if (!isObject(value)) throw new Error(`no object at ${path.join('.')} in the fixture`);
  return value;
}

/** An OpenAI-style chunk's first choice (OpenAI, Mistral), or null when it has none. */
export function firstChoice(data: JsonObject): JsonObject | null {
  return Array.isArray(data.choices) && isObject(data.choices[0]) ? data.choices[0] : null;
}

/** JSON spaced as the fixture: `colon` is `:` (JSON.stringify) or `": "` (Gemini: a space after colons only). */
function stringify(value: Json, colon: string): string {
  if (colon === ':') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => stringify(item, colon)).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}${colon}${stringify(item, colon)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface WireEvent {
  /** The `event:` line's name; null in `data:`-only streams. */
  readonly name: string | null;
  /** The data as JSON; null when it is not (`[DONE]`). */
  readonly data: JsonObject | null;
  /** The event with `values` filled into its data, spaced and framed as the fixture's. */
  format(values?: Fill): string;
}

function fixtureText(provider: Provider, name: string): string {
  return readFileSync(new URL(`../data-plane/src/providers/${provider}/__fixtures__/${name}`, import.meta.url), 'utf8');
}

export function readJsonFixture(provider: Provider, name: string): JsonObject {
  return objectAt(JSON.parse(fixtureText(provider, name)) as Json);
}

/** A recorded stream, event by event. */
export function readSseFixture(provider: Provider, name: string): WireEvent[] {
  const text = fixtureText(provider, name);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return text
    .split(`${eol}${eol}`)
    .filter((event) => event !== '')
    .map((event) => {
      const lines = event.split(eol);
      const eventName = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? null;
      const raw = lines.find((line) => line.startsWith('data: '))!.slice('data: '.length);
      const data = raw.startsWith('{') ? objectAt(JSON.parse(raw) as Json) : null;
      const colon = /^\{"[^"]*": /.test(raw) ? ': ' : ':';
      const head = eventName === null ? '' : `event: ${eventName}${eol}`;
      return {
        name: eventName,
        data,
        format: (values: Fill = {}) => `${head}data: ${data === null ? raw : stringify(fill(data, values), colon)}${eol}${eol}`,
      };
    });
}

/** The first event whose data passes `test`, or an error naming what the fixture lacks. */
export function findEvent(events: WireEvent[], what: string, test: (data: JsonObject) => boolean): WireEvent & { data: JsonObject } {
  const found = events.find((event) => event.data !== null && test(event.data));
  if (found === undefined) throw new Error(`the fixture has no ${what}`);
  return found as WireEvent & { data: JsonObject };
}
