// What a stream translator that reads each event as latin1 for its own searches (the OpenAI-compatible
// copy) tells the wrappers above it, so metering does not read the chunk it output again
// (metering/meter-chunk-stream.ts): the generated text of `pushedChunk` is exactly that of
// `pushedEvent`, whose latin1 reading is `pushedEventText`. A wrapper that changes a chunk outputs
// another buffer, which is then not the one named: read through, the report stays true.
export interface PushedEventText {
  /** The chunk the last push output whose text is `pushedEvent`'s, or null (nothing, or not known). */
  readonly pushedChunk: Uint8Array | null;
  readonly pushedEvent: Buffer;
  readonly pushedEventText: string;
}
