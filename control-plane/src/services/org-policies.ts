// Per-org policy: model allow list, provider allow and deny lists, default per-user daily spending limit,
// requests and tokens per minute for the org and by default for each of its keys.
// All of it is compiled into the snapshot (services/snapshot-compiler.ts); the data plane enforces it.
import { z } from 'zod';
import type { OrgPolicy } from '../../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { parseInput, perMinuteSchema } from './input-schemas.ts';
import { microsOrNull, microsSchema } from './micros.ts';
import { authorizeOrgAction } from './org-access.ts';
import { assertModelPatternsExist, assertProvidersExist, modelPatternSchema, providerSlugSchema } from './policy-patterns.ts';
import type { ServiceContext } from './service-context.ts';

/** Omitted fields are left as they are; null lifts a restriction. */
export const updateOrgPolicyInputSchema = z.object({
  orgId: z.string(),
  /** Exact model ids or `provider/*`; null = every model. */
  allowedModels: z.array(modelPatternSchema).nullable().optional(),
  /** Provider slugs; null = every provider. */
  allowedProviders: z.array(providerSlugSchema).nullable().optional(),
  /** Provider slugs never used (wins over allowedProviders). */
  deniedProviders: z.array(providerSlugSchema).optional(),
  /** Default per-user daily limit in microdollars; null = none. */
  dailyLimitMicros: microsSchema.nullable().optional(),
  /** Requests and tokens per minute for the whole org; null = none. */
  orgRpmLimit: perMinuteSchema.nullable().optional(),
  orgTpmLimit: perMinuteSchema.nullable().optional(),
  /** Default requests and tokens per minute of each key (keys may override them); null = none. */
  keyRpmLimit: perMinuteSchema.nullable().optional(),
  keyTpmLimit: perMinuteSchema.nullable().optional(),
});

export type UpdateOrgPolicyInput = z.input<typeof updateOrgPolicyInputSchema>;

export interface OrgPolicyView {
  orgId: string;
  allowedModels: string[] | null;
  allowedProviders: string[] | null;
  deniedProviders: string[];
  dailyLimitMicros: number | null;
  orgRpmLimit: number | null;
  orgTpmLimit: number | null;
  keyRpmLimit: number | null;
  keyTpmLimit: number | null;
}

export function toOrgPolicyView(orgId: string, row: OrgPolicy | null): OrgPolicyView {
  return {
    orgId,
    allowedModels: row?.restrictModels ? row.allowedModels : null,
    allowedProviders: row?.restrictProviders ? row.allowedProviders : null,
    deniedProviders: row?.deniedProviders ?? [],
    dailyLimitMicros: microsOrNull(row?.dailyLimitMicros ?? null),
    orgRpmLimit: row?.orgRpmLimit ?? null,
    orgTpmLimit: row?.orgTpmLimit ?? null,
    keyRpmLimit: row?.keyRpmLimit ?? null,
    keyTpmLimit: row?.keyTpmLimit ?? null,
  };
}

export async function getOrgPolicy(context: ServiceContext, input: { orgId: string }): Promise<OrgPolicyView> {
  await authorizeOrgAction(context, input.orgId, 'policy.read');
  return toOrgPolicyView(input.orgId, await context.prisma.orgPolicy.findUnique({ where: { orgId: input.orgId } }));
}

export async function updateOrgPolicy(context: ServiceContext, rawInput: UpdateOrgPolicyInput): Promise<OrgPolicyView> {
  const input = parseInput(updateOrgPolicyInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'policy.update');
  const fields = {
    ...(input.allowedModels !== undefined && { restrictModels: input.allowedModels !== null, allowedModels: input.allowedModels ?? [] }),
    ...(input.allowedProviders !== undefined && { restrictProviders: input.allowedProviders !== null, allowedProviders: input.allowedProviders ?? [] }),
    ...(input.deniedProviders !== undefined && { deniedProviders: input.deniedProviders }),
    ...(input.dailyLimitMicros !== undefined && { dailyLimitMicros: input.dailyLimitMicros === null ? null : BigInt(input.dailyLimitMicros) }),
    ...(input.orgRpmLimit !== undefined && { orgRpmLimit: input.orgRpmLimit }),
    ...(input.orgTpmLimit !== undefined && { orgTpmLimit: input.orgTpmLimit }),
    ...(input.keyRpmLimit !== undefined && { keyRpmLimit: input.keyRpmLimit }),
    ...(input.keyTpmLimit !== undefined && { keyTpmLimit: input.keyTpmLimit }),
  };
  const policy = await context.prisma.$transaction(async (transaction) => {
    await assertModelPatternsExist(transaction, input.allowedModels ?? [], 'allowedModels');
    await assertProvidersExist(transaction, [...(input.allowedProviders ?? []), ...(input.deniedProviders ?? [])], 'providers');
    const row = await transaction.orgPolicy.upsert({ where: { orgId: input.orgId }, create: { orgId: input.orgId, ...fields }, update: fields });
    const { orgId: _orgId, ...changes } = input;
    await recordAudit(transaction, context.actor, { action: 'policy.update', target: `org:${input.orgId}`, orgId: input.orgId, details: changes });
    return row;
  });
  context.snapshotChanged({ orgs: [input.orgId] });
  return toOrgPolicyView(input.orgId, policy);
}
