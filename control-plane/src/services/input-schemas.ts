// Input rules both faces apply before calling a service (tRPC through .input(), GraphQL through parseInput).
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';

export const displayNameSchema = z.string().trim().min(1).max(200);

export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, param: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) {
    // For an object, name the offending field (e.g. `scopes.models.0`) rather than the whole input.
    const issue = result.error.issues[0];
    const path = issue?.path.length ? issue.path.join('.') : param;
    throw new GatewayError('invalid_request', `${path}: ${issue?.message ?? 'invalid'}`, { param: path });
  }
  return result.data;
}

/** A rate limit: requests or tokens per minute, at least 1. */
export const perMinuteSchema = z.number().int().positive().max(2_000_000_000);
