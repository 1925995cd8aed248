// The words billing is asked in, with no dependencies so the admin CLI can check them before calling.

export const ledgerKinds = ['grant', 'purchase', 'usage', 'adjustment'] as const;
/** The kinds an admin may add by hand; usage debits come from ingest alone. */
export const ledgerCreditKinds = ['grant', 'purchase', 'adjustment'] as const;

export const usageDimensions = ['day', 'model', 'provider', 'user', 'key'] as const;
export type UsageDimension = (typeof usageDimensions)[number];
