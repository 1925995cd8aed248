// The platform provider keys, read from the environment once at start: only variables named like a
// provider key (shared/src/provider-key-env.ts), so a provider record naming DATA_PLANE_TOKEN or any
// other variable finds nothing and its requests go without a key.
import { PROVIDER_KEY_ENV_PATTERN } from '../../../shared/src/provider-key-env.ts';

export type ProviderKeys = ReadonlyMap<string, string>;

export function readProviderKeys(): ProviderKeys {
  const keys = new Map<string, string>();
  for (const name of Object.keys(process.env)) {
    const value = process.env[name];
    if (PROVIDER_KEY_ENV_PATTERN.test(name) && value) keys.set(name, value);
  }
  return keys;
}
