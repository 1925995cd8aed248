// Re-wraps every BYOK data key to the current master key version, online: rows are read in small
// batches and each is updated on its own, only if it still holds the wrapped key that was read (a row
// deleted or re-wrapped meanwhile is left alone). The ciphertext is never touched, and a row is
// readable under its old or its new version at every moment, so requests and snapshots carry on.
// Rows whose master version is not configured are reported, not skipped silently.
import { authorizePlatformAction } from '../org-access.ts';
import { recordAudit } from '../audit.ts';
import type { ServiceContext } from '../service-context.ts';
import { MasterKeyUnavailable, rewrapDataKey } from './envelope-encryption.ts';
import type { MasterKeyring } from './master-keyring.ts';

export interface RotationReport {
  currentVersion: number;
  rewrapped: number;
  /** Keys that could not be re-wrapped, with why (never anything secret). */
  failed: { id: string; masterKeyVersion: number; reason: string }[];
  /** Keys per master version after the run; only the current version should remain. */
  keysByVersion: { masterKeyVersion: number; count: number }[];
}

export async function rotateByokMasterKey(context: ServiceContext, keyring: MasterKeyring, options: { batchSize?: number } = {}): Promise<RotationReport> {
  authorizePlatformAction(context, 'byok.rotate');
  const batchSize = options.batchSize ?? 100;
  const report: RotationReport = { currentVersion: keyring.currentVersion, rewrapped: 0, failed: [], keysByVersion: [] };
  let afterId: string | null = null;
  for (;;) {
    const batch: { id: string; wrappedDataKey: Uint8Array<ArrayBuffer>; masterKeyVersion: number }[] = await context.prisma.byokCredential.findMany({
      where: { masterKeyVersion: { not: keyring.currentVersion }, ...(afterId === null ? {} : { id: { gt: afterId } }) },
      select: { id: true, wrappedDataKey: true, masterKeyVersion: true },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    for (const row of batch) {
      let rewrapped: ReturnType<typeof rewrapDataKey>;
      try {
        rewrapped = rewrapDataKey(keyring, row);
      } catch (error) {
        const reason = error instanceof MasterKeyUnavailable ? error.message : error instanceof Error ? error.message : String(error);
        report.failed.push({ id: row.id, masterKeyVersion: row.masterKeyVersion, reason });
        continue;
      }
      if (rewrapped === null) continue;
      const { count } = await context.prisma.byokCredential.updateMany({
        where: { id: row.id, masterKeyVersion: row.masterKeyVersion, wrappedDataKey: { equals: row.wrappedDataKey } },
        data: { wrappedDataKey: rewrapped.wrappedDataKey, masterKeyVersion: rewrapped.masterKeyVersion },
      });
      report.rewrapped += count;
    }
    if (batch.length < batchSize) break;
    afterId = (batch.at(-1) as { id: string }).id;
  }
  const grouped = await context.prisma.byokCredential.groupBy({ by: ['masterKeyVersion'], _count: { _all: true }, orderBy: { masterKeyVersion: 'asc' } });
  report.keysByVersion = grouped.map((group) => ({ masterKeyVersion: group.masterKeyVersion, count: group._count._all }));
  await context.prisma.$transaction(async (transaction) => {
    await recordAudit(transaction, context.actor, {
      action: 'byok.rotate',
      target: `master-key:${keyring.currentVersion}`,
      details: { rewrapped: report.rewrapped, failed: report.failed.map((failure) => failure.id) },
    });
  });
  return report;
}
