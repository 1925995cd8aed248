// How long a test waits for something that happens eventually (a snapshot reaching the data plane, a
// usage row landing) before it fails. Generous on purpose: the machine is shared and often loaded, and a
// test asserts that the thing happens, never how fast (figures live in the bench).
export const EVENTUALLY = { timeout: 20_000, interval: 20 } as const;
