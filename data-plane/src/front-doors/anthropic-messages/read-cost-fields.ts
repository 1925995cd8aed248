// The gateway's cost fields (metering/usage-cost-fields.ts) as a chat `usage` object carries them, so a
// Messages answer's `usage` can carry them too.
export function readCostFields(usage: unknown): Record<string, unknown> {
  if (usage === null || typeof usage !== 'object') return {};
  const { cost, cost_microdollars: costMicrodollars, cost_details: costDetails } = usage as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries({ cost, cost_microdollars: costMicrodollars, cost_details: costDetails }).filter(([, value]) => value !== undefined),
  );
}
