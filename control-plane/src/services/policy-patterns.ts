// Validation of model and provider lists (org policies, key scopes) against the catalog, so a typo is
// refused when it is written rather than silently matching nothing on the data plane.
import { z } from 'zod';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Prisma } from '../../generated/prisma/client.ts';

/** An exact model id (`provider/model`) or a whole provider (`provider/*`). */
export const modelPatternSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*\/(\*|[^\s*]+)$/, 'an exact `provider/model` id or `provider/*`');
export const providerSlugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a provider slug');

type Reader = Pick<Prisma.TransactionClient, 'provider' | 'model'>;

export async function assertProvidersExist(prisma: Reader, slugs: readonly string[], param: string): Promise<void> {
  const unique = [...new Set(slugs)];
  if (unique.length === 0) return;
  const found = new Set((await prisma.provider.findMany({ where: { slug: { in: unique } }, select: { slug: true } })).map((row) => row.slug));
  const missing = unique.filter((slug) => !found.has(slug));
  if (missing.length > 0) throw new GatewayError('invalid_request', `${param}: unknown providers ${missing.join(', ')}`, { param });
}

export async function assertModelPatternsExist(prisma: Reader, patterns: readonly string[], param: string): Promise<void> {
  const wildcards = patterns.filter((pattern) => pattern.endsWith('/*'));
  await assertProvidersExist(
    prisma,
    wildcards.map((pattern) => pattern.slice(0, -2)),
    param,
  );
  const exact = [...new Set(patterns.filter((pattern) => !pattern.endsWith('/*')))];
  if (exact.length === 0) return;
  const found = new Set((await prisma.model.findMany({ where: { id: { in: exact } }, select: { id: true } })).map((row) => row.id));
  const missing = exact.filter((id) => !found.has(id));
  if (missing.length > 0) throw new GatewayError('invalid_request', `${param}: unknown models ${missing.join(', ')}`, { param });
}
