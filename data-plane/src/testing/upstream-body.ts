// Test support: what an upstream receives from a converted request's body, as text or parsed as JSON
// (typed as JSON.parse's result: each test's own assertions give it its shape).
import type { UpstreamBody } from '../providers/provider-adapter.ts';

export function upstreamBodyText(body: UpstreamBody): string {
  if (typeof body === 'string') return body;
  return Buffer.concat(Buffer.isBuffer(body) ? [body] : body).toString('utf8');
}

export function parseUpstreamBody(body: UpstreamBody): ReturnType<typeof JSON.parse> {
  return JSON.parse(upstreamBodyText(body));
}
