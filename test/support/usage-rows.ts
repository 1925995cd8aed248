import type { Gateway } from './gateway-harness.ts';

/** The stored usage row of one request, read from the control plane's database. */
export async function readUsageRow(gateway: Gateway, requestId: string) {
  const row = await gateway.controlPlane!.prisma.usageRecord.findUnique({ where: { requestId } });
  if (!row) throw new Error(`no usage row for request ${requestId}`);
  return row;
}

export async function countUsageRows(gateway: Gateway, requestIds: string[]): Promise<Map<string, number>> {
  const rows = await gateway.controlPlane!.prisma.usageRecord.findMany({ where: { requestId: { in: requestIds } }, select: { requestId: true } });
  const counts = new Map<string, number>(requestIds.map((id) => [id, 0]));
  for (const row of rows) counts.set(row.requestId, (counts.get(row.requestId) ?? 0) + 1);
  return counts;
}

/** Ships what the data plane spooled, then reads the newest usage row of a model. */
export async function latestUsageRow(gateway: Gateway, requestedModel: string) {
  await gateway.dataPlane!.flushUsage();
  return gateway.controlPlane!.prisma.usageRecord.findFirstOrThrow({ where: { requestedModel }, orderBy: { id: 'desc' } });
}

/** Ships what the data plane spooled, then reads the usage row of the request behind `response`. */
export async function flushedUsageRow(gateway: Gateway, response: Response) {
  await gateway.dataPlane!.flushUsage();
  return readUsageRow(gateway, response.headers.get('x-request-id')!);
}
