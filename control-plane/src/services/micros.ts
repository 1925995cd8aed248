// Microdollar amounts at the API edge: integers a JSON number carries exactly (BIGINT in the database).
import { z } from 'zod';

export const microsSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export function microsOrNull(value: bigint | null): number | null {
  return value === null ? null : Number(value);
}
