// Chat calls the provider tests make alike through the official openai SDK, so each test file states
// only what its provider does differently.
import type OpenAI from 'openai';
import type { Gateway } from './gateway-harness.ts';
import { weatherTool } from './weather-tool.ts';

/** A non-streamed completion with a system prompt ("Be brief."), and the HTTP response it came with. */
export function askBriefly(gateway: Gateway, model: string, question: string) {
  return gateway
    .client()
    .chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: question },
      ],
    })
    .withResponse();
}

/** Streams "Weather in Paris please" with get_weather offered: the completion the SDK assembles and every chunk. */
export async function streamWeatherQuestion(gateway: Gateway, model: string) {
  const stream = gateway.client().chat.completions.stream({
    model,
    messages: [{ role: 'user', content: 'Weather in Paris please' }],
    tools: [weatherTool],
    stream_options: { include_usage: true },
  });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  stream.on('chunk', (chunk) => chunks.push(chunk));
  return { final: await stream.finalChatCompletion(), chunks };
}

/** Streams "one two three" and reads it until the SDK throws: the content received before, and the error. */
export async function readFailingStream(gateway: Gateway, model: string) {
  const stream = await gateway.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'one two three' }], stream: true });
  const received: string[] = [];
  try {
    for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
  } catch (error) {
    return { received: received.join(''), error };
  }
  throw new Error(`the stream ended without an error after ${JSON.stringify(received.join(''))}`);
}

/** The error a call rejects with (as the SDK throws it), or null when it succeeds. */
export function failureOf<Failure = { status: number; headers: Headers; code: string }>(call: Promise<unknown>): Promise<Failure | null> {
  return call.then(
    () => null,
    (error: unknown) => error as Failure,
  );
}
