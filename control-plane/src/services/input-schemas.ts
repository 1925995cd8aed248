// Input rules both faces apply before calling a service (tRPC through .input(), GraphQL through parseInput).
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';

export const displayNameSchema = z.string().trim().min(1).max(200);

export function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, param: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new GatewayError('invalid_request', `${param}: ${result.error.issues[0]?.message ?? 'invalid'}`, { param });
  return result.data;
}
