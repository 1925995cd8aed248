import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { ProviderRoute } from '../snapshot/snapshot-view.ts';
import { xaiError } from '../providers/openai-compatible/xai-error.ts';
import { upstreamError } from '../providers/upstream-error.ts';
import { explainRefusedProviderKey, upstreamApiKey } from './upstream-credentials.ts';

const route = { provider: { slug: 'openai' }, apiKeyEnv: 'UPSTREAM_CREDENTIALS_TEST_API_KEY' } as ProviderRoute;
const platformKeys = new Map([['UPSTREAM_CREDENTIALS_TEST_API_KEY', 'sk-platform']]);
const byok = { route, byokKey: { credentialId: 'cred_1', last4: 'a1b2', apiKey: 'sk-org-own-key-a1b2' } };
const platform = { route, byokKey: null };
const refused = upstreamError(401, { message: 'Incorrect API key provided' }, {});

describe('upstreamApiKey', () => {
  it('sends the BYOK key, the platform key only without one, and never the platform key for an unusable BYOK key', () => {
    expect(upstreamApiKey(byok, platformKeys)).toBe('sk-org-own-key-a1b2');
    expect(upstreamApiKey(platform, platformKeys)).toBe('sk-platform');
    const unusable = { route, byokKey: { ...byok.byokKey, apiKey: null } };
    expect(() => upstreamApiKey(unusable, platformKeys)).toThrow(expect.objectContaining({ code: 'upstream_error', status: 502 }));
    expect(() => upstreamApiKey(unusable, platformKeys)).toThrow(/ending in a1b2\) cannot be decrypted .* does not fall back to its own key/);
  });
});

describe('explainRefusedProviderKey', () => {
  it("says the organization's key was refused, keeping the provider's reason", () => {
    const explained = explainRefusedProviderKey(byok, refused);
    expect(explained.toEnvelope()).toEqual({
      error: {
        message:
          "openai refused your organization's provider key (BYOK, ending in a1b2): Incorrect API key provided. The gateway does not retry with its own key; update or delete the key.",
        type: 'upstream_error',
        code: 'upstream_error',
        param: null,
      },
    });
    expect(explained.message).not.toContain('sk-org-own-key');
  });

  it('leaves the platform key’s refusal and other errors alone', () => {
    expect(explainRefusedProviderKey(platform, refused)).toBe(refused);
    const rateLimited = new GatewayError('rate_limited', 'slow down');
    expect(explainRefusedProviderKey(byok, rateLimited)).toBe(rateLimited);
  });

  it('decides by the reason, not by the wording', () => {
    const lookalike = new GatewayError('upstream_error', "The upstream provider refused the gateway's credentials: an upstream's own text");
    expect(explainRefusedProviderKey(byok, lookalike)).toBe(lookalike);
    const xaiRefusal = xaiError(400, '{"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***wq."}', {});
    expect(explainRefusedProviderKey(byok, xaiRefusal).message).toBe(
      "openai refused your organization's provider key (BYOK, ending in a1b2): Incorrect API key provided: xa***wq.. The gateway does not retry with its own key; update or delete the key.",
    );
  });
});
