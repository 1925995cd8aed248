// What parses snapshot messages for verifySnapshot (parse-snapshot-message.ts): a serving data plane's
// messages come parsed from its snapshot feed's worker thread (snapshot-feed.ts); this one
// parses in the calling thread, for tests and the bench.
import type { JWK } from 'jose';
import { createSnapshotVerifier } from '../../../shared/src/crypto.ts';
import type { KeyMerger } from './merge-keys.ts';
import { parseSnapshotMessage, type ParsedSnapshotMessage } from './parse-snapshot-message.ts';
import { signedText, type SignedMessage } from './verify-snapshot.ts';

export interface SnapshotParser {
  parse(jws: SignedMessage): Promise<ParsedSnapshotMessage>;
  /** Merges a large delta's API keys off this thread (the feed's worker); without it they merge here, a step per turn. */
  mergeKeys?: KeyMerger;
  close(): Promise<void>;
}

export async function createInThreadSnapshotParser(publicJwk: JWK): Promise<SnapshotParser> {
  const verifier = await createSnapshotVerifier(publicJwk);
  return { parse: (jws) => parseSnapshotMessage(verifier, signedText(jws)), close: async () => {} };
}
