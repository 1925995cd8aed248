// Short-lived admin session tokens: EdDSA JWTs signed by a control-plane key pair kept in
// <dataDir>/keys (private file 0600), generated on first start like the snapshot keys. Verification pins
// the algorithm, the issuer, the audience and the key id, so a snapshot signature or a token for another
// service is never mistaken for a session. A JWT names the admin token it was exchanged for (`tid`), and
// authentication refuses it once that token is revoked (services/authenticate.ts); otherwise it lives 15 minutes.
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { readOptionalFile, writePrivateFile, writePublicFile } from './secret-files.ts';

const ALGORITHM = 'EdDSA';
export const ADMIN_JWT_ISSUER = 'ai-gateway/control-plane';
export const ADMIN_JWT_AUDIENCE = 'ai-gateway/admin';
export const ADMIN_JWT_LIFETIME_SECONDS = 15 * 60;

export interface AdminJwtClaims {
  userId: string;
  /** The admin token the JWT was exchanged for; the JWT dies with it. */
  adminTokenId: string;
}

export interface AdminJwtIssuer {
  /** A JWT naming the user as `sub` and the admin token as `tid`, valid for ADMIN_JWT_LIFETIME_SECONDS. */
  issue(claims: AdminJwtClaims): Promise<{ token: string; expiresAt: Date }>;
  /** The claims of a validly signed, unexpired token, or null for anything else (bad signature, expired, wrong kid, no `tid`, …). */
  verify(token: string): Promise<AdminJwtClaims | null>;
}

export async function loadOrCreateAdminJwtIssuer(dataDir: string): Promise<AdminJwtIssuer & { created: boolean }> {
  const directory = join(dataDir, 'keys');
  const privatePath = join(directory, 'admin-jwt.private.jwk');
  const publicPath = join(directory, 'admin-jwt.public.jwk');
  const [privateText, publicText] = await Promise.all([readOptionalFile(privatePath), readOptionalFile(publicPath)]);
  let privateJwk: JWK;
  let publicJwk: JWK;
  const created = !privateText && !publicText;
  if (privateText && publicText) {
    privateJwk = JSON.parse(privateText) as JWK;
    publicJwk = JSON.parse(publicText) as JWK;
  } else if (created) {
    const pair = await generateKeyPair(ALGORITHM, { crv: 'Ed25519', extractable: true });
    publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    privateJwk = { ...(await exportJWK(pair.privateKey)), kid, alg: ALGORITHM };
    publicJwk = { ...publicJwk, kid, alg: ALGORITHM };
    await writePrivateFile(privatePath, JSON.stringify(privateJwk) + '\n');
    await writePublicFile(publicPath, JSON.stringify(publicJwk) + '\n');
  } else {
    throw new Error(`half an admin JWT key pair in ${directory}; restore or remove both files`);
  }
  return { ...(await createAdminJwtIssuer(privateJwk, publicJwk)), created };
}

export async function createAdminJwtIssuer(privateJwk: JWK, publicJwk: JWK): Promise<AdminJwtIssuer> {
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  const publicKey = (await importJWK(publicJwk, ALGORITHM)) as CryptoKey;
  const kid = publicJwk.kid;
  if (!kid) throw new Error('the admin JWT public key has no kid');
  return {
    async issue({ userId, adminTokenId }) {
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ tid: adminTokenId })
        .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ADMIN_JWT_ISSUER)
        .setAudience(ADMIN_JWT_AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ADMIN_JWT_LIFETIME_SECONDS)
        .sign(privateKey);
      return { token, expiresAt: new Date((issuedAt + ADMIN_JWT_LIFETIME_SECONDS) * 1000) };
    },
    async verify(token) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, publicKey, {
          algorithms: [ALGORITHM],
          issuer: ADMIN_JWT_ISSUER,
          audience: ADMIN_JWT_AUDIENCE,
          requiredClaims: ['exp', 'sub', 'tid'],
        });
        if (protectedHeader.kid !== kid || !payload.sub || typeof payload.tid !== 'string') return null;
        return { userId: payload.sub, adminTokenId: payload.tid };
      } catch {
        return null;
      }
    },
  };
}
