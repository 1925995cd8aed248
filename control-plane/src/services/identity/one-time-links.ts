// The tokens of one-time links (invitations, password resets): 256 random bits, stored as SHA-256 only,
// put in a URL on the control plane's public address.
import { generateSecret } from '../../../../shared/src/crypto.ts';

export function generateLinkToken(): string {
  return generateSecret('');
}

export function linkFor(publicUrl: string, path: '/auth/invitation' | '/auth/reset-password', token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}
