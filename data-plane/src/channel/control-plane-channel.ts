// The data plane's side of the control plane's tRPC channel (shared/src/data-plane-channel.ts):
// `dataPlane.snapshot` over SSE (httpSubscriptionLink + the `eventsource` package, which lets us add
// the Authorization header through its `fetch` option), `dataPlane.ingestUsage` and `dataPlane.generation`
// over plain HTTP.
// Untyped on purpose: outputs are checked with the shared zod schemas (off the hot path), so the data
// plane depends on the contract, not on the control plane's router code.
import { createTRPCUntypedClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import { EventSource } from 'eventsource';
import { channelEnvelopeSchema, type ChannelEnvelope, type GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import { UsageBatchRefusedError, usageEventSchema, usageIngestResultSchema, type UsageEvent, type UsageIngestResult } from '../../../shared/src/usage-event.ts';

export interface SnapshotSubscriptionHandlers {
  /** A snapshot message or a spend floor message, in the order sent. */
  onEnvelope(envelope: ChannelEnvelope): void;
  /** The subscription failed or the connection dropped; it is not retried by the channel. */
  onFailure(error: unknown): void;
}

export interface ControlPlaneChannel {
  subscribeSnapshots(lastEventId: string | null, handlers: SnapshotSubscriptionHandlers): { unsubscribe(): void };
  ingestUsage(events: UsageEvent[]): Promise<UsageIngestResult>;
  /** The stored usage event of a request made with that key, or null. */
  generation(input: GenerationLookupInput): Promise<UsageEvent | null>;
}

export function createControlPlaneChannel(options: { controlPlaneUrl: string; dataPlaneToken: string }): ControlPlaneChannel {
  const url = `${options.controlPlaneUrl.replace(/\/+$/, '')}/trpc`;
  const authorization = `Bearer ${options.dataPlaneToken}`;
  const client = createTRPCUntypedClient({
    links: [
      splitLink({
        condition: (operation) => operation.type === 'subscription',
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization } }),
          },
        }),
        false: httpLink({ url, headers: { authorization } }),
      }),
    ],
  });

  return {
    subscribeSnapshots(lastEventId, handlers) {
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        subscription.unsubscribe();
        handlers.onFailure(error);
      };
      const subscription = client.subscription(
        'dataPlane.snapshot',
        { lastEventId },
        {
          onData(value: unknown) {
            if (failed) return;
            // Tracked events arrive as { id, data }.
            const payload = value !== null && typeof value === 'object' && 'data' in value ? (value as { data: unknown }).data : value;
            const parsed = channelEnvelopeSchema.safeParse(payload);
            if (!parsed.success) fail(new Error(`malformed channel envelope: ${parsed.error.message}`));
            else handlers.onEnvelope(parsed.data);
          },
          onError: fail,
          onComplete() {
            fail(new Error('snapshot subscription ended'));
          },
          onConnectionStateChange(state: { state: string; error: unknown }) {
            // The EventSource would retry on its own at a fixed pace; we reconnect with our own backoff.
            if (state.state === 'connecting' && state.error) fail(state.error);
          },
        },
      );
      return {
        unsubscribe() {
          failed = true;
          subscription.unsubscribe();
        },
      };
    },

    async ingestUsage(events) {
      let result: unknown;
      try {
        result = await client.mutation('dataPlane.ingestUsage', { events });
      } catch (error) {
        if (isRefusal(error)) throw new UsageBatchRefusedError(`the control plane refused the usage batch: ${(error as Error).message}`, { cause: error });
        throw error;
      }
      return usageIngestResultSchema.parse(result);
    },

    async generation(input) {
      return usageEventSchema.nullable().parse(await client.query('dataPlane.generation', input));
    },
  };
}

/** The control plane read the batch and refused it (400, 413): sending it unchanged again cannot help. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const code = (error.data as { code?: unknown } | undefined)?.code;
  return code === 'BAD_REQUEST' || code === 'PAYLOAD_TOO_LARGE' || code === 'PARSE_ERROR';
}
