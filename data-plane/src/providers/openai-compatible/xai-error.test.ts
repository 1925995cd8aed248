import { readFileSync } from 'node:fs';
import { describe } from 'vitest';
import { itMapsEachError, refusedCredentials } from '../../testing/error-table.ts';
import { xaiError } from './xai-error.ts';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

describe('xaiError', () => {
  itMapsEachError(xaiError, [
    [
      400,
      fixture('xai-error-api-key.1.json'),
      502,
      'upstream_error',
      refusedCredentials('Incorrect API key provided: xa***wq. You can obtain an API key from https://console.x.ai.'),
    ],
    [400, '{"code":"Client specified an invalid argument","error":"temperature must be at most 2"}', 400, 'invalid_request', 'temperature must be at most 2'],
    [429, fixture('xai-error-rate-limit.1.json'), 429, 'rate_limited', 'Your team has reached its monthly spending limit.'],
    [500, '{"code":13,"error":"internal"}', 502, 'upstream_error', 'internal'],
  ]);
});
