// Single sign-on per organization with OpenID Connect (openid-client): authorization code flow with PKCE,
// state and nonce. An org owner configures the provider (issuer, client id and secret, the email domains
// it may vouch for, the role it brings people in with, and whether members must use it). A sign-in:
//   1. GET /auth/sso/start?org=<id> stores the PKCE verifier, state and nonce (sso_logins) bound to a
//      cookie of this browser, and redirects to the provider;
//   2. the provider redirects to GET /auth/sso/callback, where openid-client checks state, the code
//      exchange with the verifier, the id token's signature, issuer, audience, expiry and nonce;
//   3. the email must be verified and in an allowed domain; the user is found by email or created
//      (without a password), joins the org with the default role if not a member yet (just-in-time), and
//      gets a session like a password sign-in.
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { z } from 'zod';
import { hashSecret } from '../../../../shared/src/crypto.ts';
import { GatewayError } from '../../../../shared/src/errors.ts';
import type { OrgSso, PrismaClient } from '../../../generated/prisma/client.ts';
import { recordAudit } from '../audit.ts';
import type { MasterKeyring } from '../byok/master-keyring.ts';
import { openSecret, sealSecret, type SecretOwner } from '../byok/envelope-encryption.ts';
import { checkProviderBaseUrl } from '../check-provider-base-url.ts';
import { parseInput } from '../input-schemas.ts';
import { authorizeOrgAction } from '../org-access.ts';
import { membershipRoles } from '../permissions.ts';
import type { ServiceContext } from '../service-context.ts';
import { normalizeEmail } from './login-throttle.ts';
import { createSession } from './sessions.ts';

/** How long a started sign-in may take at the provider. */
const SSO_LOGIN_LIFETIME_MS = 10 * 60_000;
export const SSO_BROWSER_COOKIE = 'gw_sso';
export const SSO_CALLBACK_PATH = '/auth/sso/callback';

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'a domain name such as example.com');

export const configureSsoInputSchema = z.object({
  orgId: z.string(),
  issuer: z.url().max(2000),
  clientId: z.string().min(1).max(500),
  /** Omit for a public client (PKCE only); null removes a stored secret. */
  clientSecret: z.string().min(1).max(2000).nullish(),
  allowedDomains: z.array(domainSchema).min(1).max(50),
  defaultRole: z.enum(membershipRoles).default('member'),
  ssoRequired: z.boolean().default(false),
});

export interface SsoView {
  orgId: string;
  issuer: string;
  clientId: string;
  hasClientSecret: boolean;
  allowedDomains: string[];
  defaultRole: string;
  ssoRequired: boolean;
  /** Where the provider must send people back (register it as the client's redirect URI). */
  redirectUri: string;
  /** The link people sign in with. */
  signInUrl: string;
  updatedAt: Date;
}

export interface SsoDependencies {
  prisma: PrismaClient;
  keyring: MasterKeyring;
  publicUrl: string;
  /** ALLOW_PRIVATE_UPSTREAMS: a provider on a private address (and plain HTTP) is allowed, for development. */
  allowPrivate: boolean;
}

const secretOwner = (orgId: string): SecretOwner => ({ orgId, userId: null, providerId: 'sso' });

function toView(row: OrgSso, publicUrl: string): SsoView {
  return {
    orgId: row.orgId,
    issuer: row.issuer,
    clientId: row.clientId,
    hasClientSecret: row.clientSecretCiphertext !== null,
    allowedDomains: row.allowedDomains,
    defaultRole: row.defaultRole,
    ssoRequired: row.ssoRequired,
    redirectUri: `${publicUrl}${SSO_CALLBACK_PATH}`,
    signInUrl: `${publicUrl}/auth/sso/start?org=${encodeURIComponent(row.orgId)}`,
    updatedAt: row.updatedAt,
  };
}

export async function getSso(context: ServiceContext, deps: Pick<SsoDependencies, 'publicUrl'>, input: { orgId: string }): Promise<SsoView | null> {
  await authorizeOrgAction(context, input.orgId, 'sso.read');
  const row = await context.prisma.orgSso.findUnique({ where: { orgId: input.orgId } });
  return row ? toView(row, deps.publicUrl) : null;
}

export async function configureSso(context: ServiceContext, deps: SsoDependencies, rawInput: z.input<typeof configureSsoInputSchema>): Promise<SsoView> {
  const input = parseInput(configureSsoInputSchema, rawInput, 'input');
  await authorizeOrgAction(context, input.orgId, 'sso.manage');
  const issuer = new URL(input.issuer);
  if (issuer.protocol !== 'https:' && !deps.allowPrivate) throw new GatewayError('invalid_request', 'the issuer must be an https URL', { param: 'issuer' });
  // The control plane fetches the issuer's metadata and keys: the same rules as a provider's base URL.
  await checkProviderBaseUrl(input.issuer, { allowPrivate: deps.allowPrivate });
  const sealed = input.clientSecret ? sealSecret(deps.keyring, secretOwner(input.orgId), input.clientSecret) : null;
  const secretFields =
    input.clientSecret === undefined
      ? {}
      : {
          clientSecretCiphertext: sealed?.ciphertext ?? null,
          clientSecretIv: sealed?.iv ?? null,
          clientSecretAuthTag: sealed?.authTag ?? null,
          clientSecretWrappedDataKey: sealed?.wrappedDataKey ?? null,
          clientSecretMasterKeyVersion: sealed?.masterKeyVersion ?? null,
        };
  const fields = {
    issuer: input.issuer,
    clientId: input.clientId,
    allowedDomains: [...new Set(input.allowedDomains)],
    defaultRole: input.defaultRole,
    ssoRequired: input.ssoRequired,
  };
  const row = await context.prisma.$transaction(async (transaction) => {
    const saved = await transaction.orgSso.upsert({
      where: { orgId: input.orgId },
      create: { orgId: input.orgId, ...fields, ...secretFields },
      update: { ...fields, ...secretFields },
    });
    await recordAudit(transaction, context.actor, {
      action: 'sso.configure',
      target: `org:${input.orgId}`,
      orgId: input.orgId,
      details: { ...fields, clientSecretChanged: input.clientSecret !== undefined },
    });
    return saved;
  });
  return toView(row, deps.publicUrl);
}

export async function removeSso(context: ServiceContext, input: { orgId: string }): Promise<{ removed: boolean }> {
  await authorizeOrgAction(context, input.orgId, 'sso.manage');
  return context.prisma.$transaction(async (transaction) => {
    const { count } = await transaction.orgSso.deleteMany({ where: { orgId: input.orgId } });
    await recordAudit(transaction, context.actor, { action: 'sso.remove', target: `org:${input.orgId}`, orgId: input.orgId });
    return { removed: count > 0 };
  });
}

/** Whether a password sign-in is refused for this user: a member of an org that requires SSO, unless a platform admin (who must keep a way in). */
export async function passwordSignInBlockedBySso(prisma: PrismaClient, user: { id: string; isPlatformAdmin: boolean }): Promise<boolean> {
  if (user.isPlatformAdmin) return false;
  const required = await prisma.orgSso.count({ where: { ssoRequired: true, org: { memberships: { some: { userId: user.id } } } } });
  return required > 0;
}

async function clientConfiguration(deps: SsoDependencies, sso: OrgSso): Promise<oidc.Configuration> {
  const secret =
    sso.clientSecretCiphertext && sso.clientSecretIv && sso.clientSecretAuthTag && sso.clientSecretWrappedDataKey && sso.clientSecretMasterKeyVersion !== null
      ? openSecret(deps.keyring, secretOwner(sso.orgId), {
          ciphertext: sso.clientSecretCiphertext,
          iv: sso.clientSecretIv,
          authTag: sso.clientSecretAuthTag,
          wrappedDataKey: sso.clientSecretWrappedDataKey,
          masterKeyVersion: sso.clientSecretMasterKeyVersion,
        }).secret
      : undefined;
  try {
    return await oidc.discovery(
      new URL(sso.issuer),
      sso.clientId,
      secret,
      secret ? oidc.ClientSecretPost(secret) : oidc.None(),
      deps.allowPrivate && sso.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
    );
  } catch (error) {
    throw new GatewayError(
      'upstream_error',
      `the organization's identity provider could not be reached or described itself wrongly: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Step 1: where to send the browser, and the cookie that ties the sign-in to it. */
export async function startSsoSignIn(
  deps: SsoDependencies,
  input: { orgId: string; returnTo: string | null },
): Promise<{ redirectTo: URL; browserSecret: string }> {
  const sso = await deps.prisma.orgSso.findUnique({ where: { orgId: input.orgId } });
  if (!sso) throw new GatewayError('not_found', 'this organization has no single sign-on', { param: 'org' });
  const config = await clientConfiguration(deps, sso);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const browserSecret = randomBytes(32).toString('base64url');
  await deps.prisma.ssoLogin.create({
    data: {
      stateHash: hashSecret(state),
      browserHash: hashSecret(browserSecret),
      orgId: sso.orgId,
      codeVerifier,
      nonce,
      returnTo: safeReturnTo(input.returnTo),
      expiresAt: new Date(Date.now() + SSO_LOGIN_LIFETIME_MS),
    },
  });
  const redirectTo = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${deps.publicUrl}${SSO_CALLBACK_PATH}`,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  return { redirectTo, browserSecret };
}

/** Only a path on this origin: never an open redirect. */
function safeReturnTo(returnTo: string | null): string {
  return returnTo && /^\/(?![/\\])/.test(returnTo) ? returnTo : '/auth/session';
}

const REFUSED = 'single sign-on failed';

/** Steps 2 and 3: the provider's answer → a session. */
export async function finishSsoSignIn(
  deps: SsoDependencies,
  input: { callbackUrl: URL; browserSecret: string | null; client: string; userAgent: string | null },
): Promise<{ secret: string; csrfToken: string; returnTo: string; userId: string; joined: boolean }> {
  const state = input.callbackUrl.searchParams.get('state');
  const login = state ? await deps.prisma.ssoLogin.findUnique({ where: { stateHash: hashSecret(state) } }) : null;
  if (!login || login.usedAt || login.expiresAt <= new Date()) throw new GatewayError('invalid_credentials', `${REFUSED}: unknown, used or expired state`);
  // A callback in another browser than the one that started (login CSRF: an attacker's own sign-in finished in the victim's browser).
  if (!input.browserSecret || hashSecret(input.browserSecret) !== login.browserHash) {
    throw new GatewayError('invalid_credentials', `${REFUSED}: this browser did not start the sign-in`);
  }
  const spent = await deps.prisma.ssoLogin.updateMany({ where: { id: login.id, usedAt: null }, data: { usedAt: new Date() } });
  if (spent.count !== 1) throw new GatewayError('invalid_credentials', `${REFUSED}: unknown, used or expired state`);
  const sso = await deps.prisma.orgSso.findUnique({ where: { orgId: login.orgId } });
  if (!sso) throw new GatewayError('invalid_credentials', `${REFUSED}: the organization no longer has single sign-on`);
  const config = await clientConfiguration(deps, sso);
  // The redirect URI sent to the token endpoint must be the registered one, whatever host the request came in on.
  const currentUrl = new URL(`${deps.publicUrl}${SSO_CALLBACK_PATH}${input.callbackUrl.search}`);
  let claims: oidc.IDToken | undefined;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: login.codeVerifier,
      expectedState: state!,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    claims = tokens.claims();
    // Providers may keep the email out of the id token and give it at the userinfo endpoint (for the same subject, which openid-client checks).
    if (claims && typeof claims.email !== 'string') claims = { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)) };
  } catch (error) {
    // openid-client wraps oauth4webapi's error, whose message names the offending claim (iss, nonce, aud, …).
    const detail = (error as { cause?: { message?: unknown } }).cause?.message;
    throw new GatewayError('invalid_credentials', `${REFUSED}: ${typeof detail === 'string' ? detail : (error as Error).message}`, { cause: error });
  }
  const email = typeof claims?.email === 'string' ? normalizeEmail(claims.email) : null;
  if (!claims || !email) throw new GatewayError('invalid_credentials', `${REFUSED}: the identity provider sent no email`);
  if (claims.email_verified !== true) throw new GatewayError('invalid_credentials', `${REFUSED}: the identity provider has not verified ${email}`);
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!sso.allowedDomains.includes(domain)) throw new GatewayError('forbidden', `${REFUSED}: ${domain} is not an allowed email domain of this organization`);

  const name = typeof claims.name === 'string' ? claims.name.slice(0, 200) : null;
  const { user, joined } = await deps.prisma.$transaction(async (transaction) => {
    const existing = await transaction.user.findFirst({ where: { email: { equals: email, mode: 'insensitive' } } });
    const found = existing ?? (await transaction.user.create({ data: { email, name } }));
    const member = await transaction.membership.findUnique({ where: { orgId_userId: { orgId: sso.orgId, userId: found.id } } });
    if (!member) await transaction.membership.create({ data: { orgId: sso.orgId, userId: found.id, role: sso.defaultRole } });
    if (!member) {
      const actor = { kind: 'user', userId: found.id, isPlatformAdmin: found.isPlatformAdmin, credential: { kind: 'sso', ssoLoginId: login.id } } as const;
      await recordAudit(transaction, actor, {
        action: 'sso.join',
        target: `user:${found.id}`,
        orgId: sso.orgId,
        details: { role: sso.defaultRole, issuer: sso.issuer, subject: String(claims!.sub), accountCreated: !existing },
      });
    }
    return { user: found, joined: !member };
  });
  const opened = await createSession(deps.prisma, { user, userAgent: input.userAgent, client: input.client, via: `sso:${sso.orgId}` });
  return { secret: opened.secret, csrfToken: opened.csrfToken, returnTo: login.returnTo, userId: user.id, joined };
}
