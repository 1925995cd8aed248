// The authorization matrix: every tRPC procedure and every GraphQL field, as each membership role, as a
// member of another org, as a platform admin who is not a member, and unauthenticated; each signed-in
// subject comes in both ways, with an admin token and with a browser session (cookie + CSRF token). The expected
// answer comes from the permission table (services/permissions.ts), never from this file: an entry only
// names the action an operation needs. The operation lists are read from the router and the schema, so
// a new operation without an entry here fails the first tests. Allowed mutations must write an audit
// row; refused calls must write none.
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { generateSecret, hashSecret } from '../../shared/src/crypto.ts';
import { testEngines } from '../../test/support/test-database.ts';
import { createTestApp, type TestApp } from '../../test/support/create-test-app.ts';
import { createGraphQLServer } from './graphql/create-yoga.ts';
import { schema } from './graphql/schema/index.ts';
import { ADMIN_TOKEN_PREFIX } from './services/admin-tokens.ts';
import { sealSecret } from './services/byok/envelope-encryption.ts';
import { orgPermissions, platformPermissions, type OrgAction, type PlatformAction } from './services/permissions.ts';
import { appRouter } from './trpc/routers/_app.ts';
import { createContextInner } from './context.ts';
import { csrfTokenFor } from './services/identity/sessions.ts';
import { createSignInRateLimit } from './services/identity/sign-in.ts';
import { createCallerFactory } from './trpc/init.ts';

const roles = ['owner', 'admin', 'member', 'billing'] as const;
const subjects = [...roles, 'outsider', 'platform-admin', 'anonymous'] as const;
type Role = (typeof roles)[number];
type Subject = (typeof subjects)[number];

/** 'public': the invitee's and the password link's side, which need only the link's token (and give it to anyone who has it). */
type Requirement = { org: OrgAction } | { platform: PlatformAction } | 'data-plane' | 'public';
type WayIn = 'admin-token' | 'session';
const waysIn: WayIn[] = ['admin-token', 'session'];
/** Configuring SSO fetches nothing; the issuer only has to be an https URL of a public address (a literal, so no DNS is needed). */
const MATRIX_ISSUER = 'https://93.184.215.14/matrix';
/** Every subject's password once the changePassword entries have set it. */
const MATRIX_PASSWORD = 'matrix password 0123';
type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'not-found';

interface Fixture {
  orgId: string;
  bystanderId: string;
  /** A fresh member of the org (role member), for calls that change or remove one. */
  freshMember(): Promise<string>;
}

interface RunArguments<Client> {
  client: Client;
  fixture: Fixture;
  /** The calling user, null when unauthenticated. */
  userId: string | null;
}

interface Entry<Client> {
  requires: Requirement;
  run(arguments_: RunArguments<Client>): Promise<unknown>;
}

type TrpcCaller = ReturnType<TestApp['caller']>;
type Credential = { token: string } | { sessionSecret: string };
const createCaller = createCallerFactory(appRouter);
type GraphQLClient = (query: string, variables?: Record<string, unknown>) => Promise<void>;

function expectedOutcome(requires: Requirement, subject: Subject, wayIn: WayIn, path: string): Outcome {
  if (requires === 'public') return 'allowed';
  if (subject === 'anonymous' || requires === 'data-plane') return 'unauthenticated';
  // Only an admin token buys a JWT; a session (like a JWT) may not (services/issue-admin-jwt.ts).
  if (wayIn === 'session' && (path === 'auth.issueToken' || path === 'Mutation.issueToken')) return 'forbidden';
  if ('platform' in requires) {
    return platformPermissions[requires.platform] === 'authenticated' || subject === 'platform-admin' ? 'allowed' : 'forbidden';
  }
  if (subject === 'outsider' || subject === 'platform-admin') return 'not-found';
  return (orgPermissions[requires.org] as readonly Role[]).includes(subject) ? 'allowed' : 'forbidden';
}

let counter = 0;
const unique = (label: string) => `${label}-${++counter}-${Date.now()}`;

/** Numbers the providers catalog.applyFile adds, one per call. */
let appliedFiles = 0;
const trpcMatrix: Record<string, Entry<TrpcCaller>> = {
  'organizations.create': { requires: { platform: 'organization.create' }, run: ({ client }) => client.organizations.create({ name: unique('org') }) },
  'organizations.list': { requires: { platform: 'organization.list' }, run: ({ client }) => client.organizations.list() },
  'members.list': { requires: { org: 'member.read' }, run: ({ client, fixture }) => client.members.list({ orgId: fixture.orgId }) },
  'members.invite': {
    requires: { org: 'member.manage' },
    run: ({ client, fixture }) => client.members.invite({ orgId: fixture.orgId, email: `${unique('invitee')}@matrix.example`, role: 'member' }),
  },
  'members.invitations': { requires: { org: 'member.read' }, run: ({ client, fixture }) => client.members.invitations({ orgId: fixture.orgId }) },
  'members.revokeInvitation': {
    requires: { org: 'member.manage' },
    run: async ({ client, fixture }) => client.members.revokeInvitation({ id: (await freshInvitation(fixture)).id }),
  },
  'members.issuePasswordReset': {
    requires: { org: 'member.resetPassword' },
    run: async ({ client, fixture }) => client.members.issuePasswordReset({ orgId: fixture.orgId, userId: await fixture.freshMember() }),
  },
  'invitations.describe': {
    requires: 'public',
    run: async ({ client, fixture }) => client.invitations.describe({ token: (await freshInvitation(fixture)).token }),
  },
  'invitations.accept': {
    requires: 'public',
    run: async ({ client, fixture }) => client.invitations.accept({ token: (await freshInvitation(fixture)).token, password: MATRIX_PASSWORD }),
  },
  'members.setRole': {
    requires: { org: 'member.manage' },
    run: async ({ client, fixture }) => client.members.setRole({ orgId: fixture.orgId, userId: await fixture.freshMember(), role: 'billing' }),
  },
  'members.remove': {
    requires: { org: 'member.manage' },
    run: async ({ client, fixture }) => client.members.remove({ orgId: fixture.orgId, userId: await fixture.freshMember() }),
  },
  'members.setDailyLimit': {
    requires: { org: 'policy.update' },
    run: async ({ client, fixture }) =>
      client.members.setDailyLimit({ orgId: fixture.orgId, userId: await fixture.freshMember(), dailyLimitMicros: 2_000_000 }),
  },
  'sso.get': { requires: { org: 'sso.read' }, run: ({ client, fixture }) => client.sso.get({ orgId: fixture.orgId }) },
  'sso.configure': {
    requires: { org: 'sso.manage' },
    run: ({ client, fixture }) =>
      client.sso.configure({
        orgId: fixture.orgId,
        issuer: MATRIX_ISSUER,
        clientId: 'matrix',
        clientSecret: 'matrix-secret',
        allowedDomains: ['matrix.example'],
      }),
  },
  'sso.remove': { requires: { org: 'sso.manage' }, run: ({ client, fixture }) => client.sso.remove({ orgId: fixture.orgId }) },
  'users.create': { requires: { platform: 'user.create' }, run: ({ client }) => client.users.create({ email: `${unique('user')}@example.com` }) },
  'users.issuePasswordReset': {
    requires: { platform: 'user.resetPassword' },
    run: ({ client, fixture }) => client.users.issuePasswordReset({ userId: fixture.bystanderId }),
  },
  'auth.requestPasswordReset': { requires: 'public', run: ({ client }) => client.auth.requestPasswordReset({ email: 'bystander@matrix.example' }) },
  'auth.resetPassword': {
    requires: 'public',
    run: async ({ client }) => client.auth.resetPassword({ token: await freshPasswordLink(), password: MATRIX_PASSWORD }),
  },
  'apiKeys.create': { requires: { org: 'apiKey.create' }, run: ({ client, fixture }) => client.apiKeys.create({ orgId: fixture.orgId, name: 'own' }) },
  'apiKeys.list': { requires: { org: 'apiKey.read' }, run: ({ client, fixture }) => client.apiKeys.list({ orgId: fixture.orgId }) },
  // Another member's key: the stricter case; revoking one's own key is covered in access-control.test.ts.
  'apiKeys.revoke': { requires: { org: 'apiKey.manageAll' }, run: async ({ client, fixture }) => client.apiKeys.revoke({ id: await bystanderKey(fixture) }) },
  'apiKeys.setRateLimits': {
    requires: { org: 'apiKey.manageAll' },
    run: async ({ client, fixture }) => client.apiKeys.setRateLimits({ id: await bystanderKey(fixture), rateLimits: { rpm: 60 } }),
  },
  'apiKeys.setBudget': {
    requires: { org: 'apiKey.manageAll' },
    run: async ({ client, fixture }) => client.apiKeys.setBudget({ id: await bystanderKey(fixture), budget: { dailyMicros: 1_000_000 } }),
  },
  // The org's key and another member's key: the stricter cases; one's own key is in byok-credentials.test.ts.
  'byok.create': {
    requires: { org: 'byok.manageAll' },
    run: ({ client, fixture }) => client.byok.create({ orgId: fixture.orgId, provider: 'simulator', key: 'sk-matrix-org-key-0001' }),
  },
  'byok.list': { requires: { org: 'byok.read' }, run: ({ client, fixture }) => client.byok.list({ orgId: fixture.orgId }) },
  'byok.delete': { requires: { org: 'byok.manageAll' }, run: async ({ client, fixture }) => client.byok.delete({ id: await bystanderByokKey(fixture) }) },
  'byok.rotate': { requires: { platform: 'byok.rotate' }, run: ({ client }) => client.byok.rotate() },
  'policies.get': { requires: { org: 'policy.read' }, run: ({ client, fixture }) => client.policies.get({ orgId: fixture.orgId }) },
  'alerts.get': { requires: { org: 'alerts.manage' }, run: ({ client, fixture }) => client.alerts.get({ orgId: fixture.orgId }) },
  'alerts.set': {
    requires: { org: 'alerts.manage' },
    run: ({ client, fixture }) => client.alerts.set({ orgId: fixture.orgId, thresholds: [80], webhookUrl: null }),
  },
  'alerts.deliveries': { requires: { org: 'alerts.manage' }, run: ({ client, fixture }) => client.alerts.deliveries({ orgId: fixture.orgId }) },
  'policies.update': {
    requires: { org: 'policy.update' },
    run: ({ client, fixture }) => client.policies.update({ orgId: fixture.orgId, dailyLimitMicros: 5_000_000 }),
  },
  'audit.list': { requires: { org: 'audit.read' }, run: ({ client, fixture }) => client.audit.list({ orgId: fixture.orgId }) },
  'billing.balance': { requires: { org: 'billing.read' }, run: ({ client, fixture }) => client.billing.balance({ orgId: fixture.orgId }) },
  'billing.ledger': { requires: { org: 'billing.read' }, run: ({ client, fixture }) => client.billing.ledger({ orgId: fixture.orgId, kind: 'grant' }) },
  'billing.usage': {
    requires: { org: 'usage.read' },
    run: ({ client, fixture }) =>
      client.billing.usage({ orgId: fixture.orgId, from: '2026-11-01T12:00:00Z', to: '2026-11-03T12:00:00Z', groupBy: ['day', 'model'] }),
  },
  'billing.myUsage': {
    requires: { org: 'usage.readOwn' },
    run: ({ client, fixture }) => client.billing.myUsage({ orgId: fixture.orgId, from: '2026-11-01T12:00:00Z', to: '2026-11-03T12:00:00Z', groupBy: ['key'] }),
  },
  'requests.list': { requires: { org: 'usage.readOwn' }, run: ({ client, fixture }) => client.requests.list({ orgId: fixture.orgId }) },
  'requests.latency': {
    requires: { org: 'usage.readOwn' },
    run: ({ client, fixture }) => client.requests.latency({ orgId: fixture.orgId, from: '2026-11-01T12:00:00Z', to: '2026-11-03T12:00:00Z' }),
  },
  'billing.limits': { requires: { org: 'usage.readOwn' }, run: ({ client, fixture }) => client.billing.limits({ orgId: fixture.orgId }) },
  'billing.addLedgerEntry': {
    requires: { platform: 'ledger.write' },
    run: ({ client, fixture }) => client.billing.addLedgerEntry({ orgId: fixture.orgId, kind: 'grant', amountMicros: 1_000_000 }),
  },
  'adminTokens.create': { requires: { platform: 'adminToken.manageOwn' }, run: ({ client }) => client.adminTokens.create({ name: 'matrix' }) },
  'adminTokens.list': { requires: { platform: 'adminToken.manageOwn' }, run: ({ client }) => client.adminTokens.list() },
  'adminTokens.revoke': {
    requires: { platform: 'adminToken.manageOwn' },
    run: async ({ client, fixture, userId }) => client.adminTokens.revoke({ id: await spareAdminToken(userId ?? fixture.bystanderId) }),
  },
  // Only an admin token buys a JWT: a session (like a JWT) is refused, see expectedOutcome.
  'auth.issueToken': { requires: { platform: 'adminToken.manageOwn' }, run: ({ client }) => client.auth.issueToken() },
  'account.me': { requires: { platform: 'account.manageOwn' }, run: ({ client }) => client.account.me() },
  'account.changePassword': {
    requires: { platform: 'account.manageOwn' },
    run: ({ client }) => client.account.changePassword({ currentPassword: MATRIX_PASSWORD, newPassword: MATRIX_PASSWORD }),
  },
  'sessions.list': { requires: { platform: 'session.manageOwn' }, run: ({ client }) => client.sessions.list() },
  'sessions.revoke': {
    requires: { platform: 'session.manageOwn' },
    run: async ({ client, fixture, userId }) => client.sessions.revoke({ id: (await spareSession(userId ?? fixture.bystanderId)).id }),
  },
  'sessions.revokeAll': { requires: { platform: 'session.manageOwn' }, run: ({ client }) => client.sessions.revokeAll() },
  'models.list': { requires: { platform: 'catalog.read' }, run: ({ client }) => client.models.list() },
  'catalog.exportFile': { requires: { platform: 'catalog.read' }, run: ({ client }) => client.catalog.exportFile() },
  'catalog.applyFile': {
    requires: { platform: 'catalog.write' },
    // A new provider each call: a file the catalog already matches changes (and audits) nothing.
    run: ({ client }) => client.catalog.applyFile({ providers: [{ slug: `matrix-file-${(appliedFiles += 1)}`, baseUrl: 'http://127.0.0.1:9/v1' }] }),
  },
  'catalog.providers': { requires: { platform: 'catalog.read' }, run: ({ client }) => client.catalog.providers() },
  'catalog.upsertProvider': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) => client.catalog.upsertProvider({ slug: 'matrix', baseUrl: 'http://127.0.0.1:9/v1' }),
  },
  'catalog.upsertModel': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) =>
      client.catalog.upsertModel({
        id: 'simulator/matrix',
        name: 'Matrix',
        endpoint: { providerSlug: 'simulator', upstreamModel: 'echo', prices: { prompt: 1, completion: 1 } },
      }),
  },
  'catalog.import': { requires: { platform: 'catalog.write' }, run: ({ client }) => client.catalog.import() },
  'catalog.setModelEnabled': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) => client.catalog.setModelEnabled({ id: 'simulator/echo', enabled: true }),
  },
  'catalog.overrideModelPrices': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) => client.catalog.overrideModelPrices({ id: 'simulator/echo', providerSlug: 'simulator', prices: { prompt: 150, completion: 600 } }),
  },
  'dataPlane.snapshot': { requires: 'data-plane', run: ({ client }) => client.dataPlane.snapshot() },
  'dataPlane.ingestUsage': { requires: 'data-plane', run: ({ client }) => client.dataPlane.ingestUsage({ events: [] }) },
  'dataPlane.generation': { requires: 'data-plane', run: ({ client }) => client.dataPlane.generation({ requestId: 'matrix', apiKeyId: 'matrix' }) },
};

const graphqlMatrix: Record<string, Entry<GraphQLClient>> = {
  'Query.organizations': { requires: { platform: 'organization.list' }, run: ({ client }) => client('{ organizations { id } }') },
  'Mutation.createOrganization': {
    requires: { platform: 'organization.create' },
    run: ({ client }) => client('mutation ($name: String!) { createOrganization(name: $name) { id } }', { name: unique('org') }),
  },
  'Query.members': {
    requires: { org: 'member.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { members(orgId: $orgId) { userId role } }', { orgId: fixture.orgId }),
  },
  'Mutation.inviteMember': {
    requires: { org: 'member.manage' },
    run: ({ client, fixture }) =>
      client('mutation ($orgId: ID!, $email: String!) { inviteMember(orgId: $orgId, email: $email, role: member) { link } }', {
        orgId: fixture.orgId,
        email: `${unique('invitee')}@matrix.example`,
      }),
  },
  'Query.invitations': {
    requires: { org: 'member.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { invitations(orgId: $orgId) { id email } }', { orgId: fixture.orgId }),
  },
  'Mutation.revokeInvitation': {
    requires: { org: 'member.manage' },
    run: async ({ client, fixture }) => client('mutation ($id: ID!) { revokeInvitation(id: $id) { revokedAt } }', { id: (await freshInvitation(fixture)).id }),
  },
  'Mutation.issueMemberPasswordReset': {
    requires: { org: 'member.resetPassword' },
    run: async ({ client, fixture }) =>
      client('mutation ($orgId: ID!, $userId: ID!) { issueMemberPasswordReset(orgId: $orgId, userId: $userId) { link } }', {
        orgId: fixture.orgId,
        userId: await fixture.freshMember(),
      }),
  },
  'Mutation.issuePasswordReset': {
    requires: { platform: 'user.resetPassword' },
    run: ({ client, fixture }) => client('mutation ($userId: ID!) { issuePasswordReset(userId: $userId) { link } }', { userId: fixture.bystanderId }),
  },
  'Query.orgSso': {
    requires: { org: 'sso.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { orgSso(orgId: $orgId) { issuer } }', { orgId: fixture.orgId }),
  },
  'Mutation.configureOrgSso': {
    requires: { org: 'sso.manage' },
    run: ({ client, fixture }) =>
      client(
        'mutation ($orgId: ID!, $issuer: String!) { configureOrgSso(orgId: $orgId, issuer: $issuer, clientId: "matrix", allowedDomains: ["matrix.example"]) { issuer } }',
        { orgId: fixture.orgId, issuer: MATRIX_ISSUER },
      ),
  },
  'Mutation.removeOrgSso': {
    requires: { org: 'sso.manage' },
    run: ({ client, fixture }) => client('mutation ($orgId: ID!) { removeOrgSso(orgId: $orgId) { removed } }', { orgId: fixture.orgId }),
  },
  'Query.invitation': {
    requires: 'public',
    run: async ({ client, fixture }) =>
      client('query ($token: String!) { invitation(token: $token) { orgName } }', { token: (await freshInvitation(fixture)).token }),
  },
  'Mutation.acceptInvitation': {
    requires: 'public',
    run: async ({ client, fixture }) =>
      client('mutation ($token: String!, $password: String!) { acceptInvitation(token: $token, password: $password) { orgId } }', {
        token: (await freshInvitation(fixture)).token,
        password: MATRIX_PASSWORD,
      }),
  },
  'Mutation.requestPasswordReset': { requires: 'public', run: ({ client }) => client('mutation { requestPasswordReset(email: "bystander@matrix.example") }') },
  'Mutation.resetPassword': {
    requires: 'public',
    run: async ({ client }) =>
      client('mutation ($token: String!, $password: String!) { resetPassword(token: $token, password: $password) { email } }', {
        token: await freshPasswordLink(),
        password: MATRIX_PASSWORD,
      }),
  },
  'Mutation.setMemberRole': {
    requires: { org: 'member.manage' },
    run: async ({ client, fixture }) =>
      client('mutation ($orgId: ID!, $userId: ID!) { setMemberRole(orgId: $orgId, userId: $userId, role: billing) { role } }', {
        orgId: fixture.orgId,
        userId: await fixture.freshMember(),
      }),
  },
  'Mutation.removeMember': {
    requires: { org: 'member.manage' },
    run: async ({ client, fixture }) =>
      client('mutation ($orgId: ID!, $userId: ID!) { removeMember(orgId: $orgId, userId: $userId) { userId } }', {
        orgId: fixture.orgId,
        userId: await fixture.freshMember(),
      }),
  },
  'Mutation.setMemberDailyLimit': {
    requires: { org: 'policy.update' },
    run: async ({ client, fixture }) =>
      client('mutation ($orgId: ID!, $userId: ID!) { setMemberDailyLimit(orgId: $orgId, userId: $userId, dailyLimitMicros: 3000000) { dailyLimitMicros } }', {
        orgId: fixture.orgId,
        userId: await fixture.freshMember(),
      }),
  },
  'Mutation.createUser': {
    requires: { platform: 'user.create' },
    run: ({ client }) => client('mutation ($email: String!) { createUser(email: $email) { id } }', { email: `${unique('user')}@example.com` }),
  },
  'Query.apiKeys': {
    requires: { org: 'apiKey.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { apiKeys(orgId: $orgId) { id scopes { models } } }', { orgId: fixture.orgId }),
  },
  'Mutation.createApiKey': {
    requires: { org: 'apiKey.create' },
    run: ({ client, fixture }) => client('mutation ($orgId: ID!) { createApiKey(orgId: $orgId, name: "own") { key } }', { orgId: fixture.orgId }),
  },
  'Mutation.revokeApiKey': {
    requires: { org: 'apiKey.manageAll' },
    run: async ({ client, fixture }) => client('mutation ($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: await bystanderKey(fixture) }),
  },
  'Mutation.setApiKeyRateLimits': {
    requires: { org: 'apiKey.manageAll' },
    run: async ({ client, fixture }) =>
      client('mutation ($id: ID!) { setApiKeyRateLimits(id: $id, rateLimits: { rpm: 60 }) { rateLimits { rpm } } }', { id: await bystanderKey(fixture) }),
  },
  'Mutation.setApiKeyBudget': {
    requires: { org: 'apiKey.manageAll' },
    run: async ({ client, fixture }) =>
      client('mutation ($id: ID!) { setApiKeyBudget(id: $id, budget: { weeklyMicros: 1000000 }) { budget { weeklyMicros } } }', {
        id: await bystanderKey(fixture),
      }),
  },
  'Query.byokCredentials': {
    requires: { org: 'byok.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { byokCredentials(orgId: $orgId) { id last4 } }', { orgId: fixture.orgId }),
  },
  'Mutation.createByokCredential': {
    requires: { org: 'byok.manageAll' },
    run: ({ client, fixture }) =>
      client('mutation ($orgId: ID!) { createByokCredential(orgId: $orgId, provider: "simulator", key: "sk-matrix-org-key-0002") { last4 } }', {
        orgId: fixture.orgId,
      }),
  },
  'Mutation.deleteByokCredential': {
    requires: { org: 'byok.manageAll' },
    run: async ({ client, fixture }) => client('mutation ($id: ID!) { deleteByokCredential(id: $id) { id } }', { id: await bystanderByokKey(fixture) }),
  },
  'Mutation.rotateByokMasterKey': { requires: { platform: 'byok.rotate' }, run: ({ client }) => client('mutation { rotateByokMasterKey { rewrapped } }') },
  'Query.orgPolicy': {
    requires: { org: 'policy.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { orgPolicy(orgId: $orgId) { allowedModels } }', { orgId: fixture.orgId }),
  },
  'Mutation.updateOrgPolicy': {
    requires: { org: 'policy.update' },
    run: ({ client, fixture }) =>
      client('mutation ($orgId: ID!) { updateOrgPolicy(orgId: $orgId, dailyLimitMicros: 4000000) { dailyLimitMicros } }', { orgId: fixture.orgId }),
  },
  'Query.budgetAlerts': {
    requires: { org: 'alerts.manage' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { budgetAlerts(orgId: $orgId) { thresholds webhookUrl } }', { orgId: fixture.orgId }),
  },
  'Mutation.setBudgetAlerts': {
    requires: { org: 'alerts.manage' },
    run: ({ client, fixture }) =>
      client('mutation ($orgId: ID!) { setBudgetAlerts(orgId: $orgId, thresholds: [50, 100]) { thresholds } }', { orgId: fixture.orgId }),
  },
  'Query.webhookDeliveries': {
    requires: { org: 'alerts.manage' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { webhookDeliveries(orgId: $orgId, limit: 5) { id status } }', { orgId: fixture.orgId }),
  },
  'Query.auditLog': {
    requires: { org: 'audit.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { auditLog(orgId: $orgId) { nextCursor } }', { orgId: fixture.orgId }),
  },
  'Query.balance': {
    requires: { org: 'billing.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { balance(orgId: $orgId) { balanceMicros } }', { orgId: fixture.orgId }),
  },
  'Query.ledgerEntries': {
    requires: { org: 'billing.read' },
    run: ({ client, fixture }) => client('query ($orgId: ID!) { ledgerEntries(orgId: $orgId, kind: usage) { nextCursor } }', { orgId: fixture.orgId }),
  },
  'Query.usageSummary': {
    requires: { org: 'usage.read' },
    run: ({ client, fixture }) =>
      client(
        'query ($orgId: ID!) { usageSummary(orgId: $orgId, from: "2026-11-01T12:00:00Z", to: "2026-11-03T12:00:00Z", groupBy: [provider, key]) { totals { requests } } }',
        {
          orgId: fixture.orgId,
        },
      ),
  },
  'Query.myUsage': {
    requires: { org: 'usage.readOwn' },
    run: ({ client, fixture }) =>
      client('query ($orgId: ID!) { myUsage(orgId: $orgId, from: "2026-11-01T12:00:00Z", to: "2026-11-03T12:00:00Z") { totals { requests } } }', {
        orgId: fixture.orgId,
      }),
  },
  'Mutation.addLedgerEntry': {
    requires: { platform: 'ledger.write' },
    run: ({ client, fixture }) =>
      client('mutation ($orgId: ID!) { addLedgerEntry(orgId: $orgId, kind: adjustment, amountMicros: -5, note: "matrix") { balanceMicros } }', {
        orgId: fixture.orgId,
      }),
  },
  'Query.adminTokens': { requires: { platform: 'adminToken.manageOwn' }, run: ({ client }) => client('{ adminTokens { id } }') },
  'Mutation.createAdminToken': {
    requires: { platform: 'adminToken.manageOwn' },
    run: ({ client }) => client('mutation { createAdminToken(name: "matrix") { token } }'),
  },
  'Mutation.revokeAdminToken': {
    requires: { platform: 'adminToken.manageOwn' },
    run: async ({ client, fixture, userId }) =>
      client('mutation ($id: ID!) { revokeAdminToken(id: $id) { revokedAt } }', { id: await spareAdminToken(userId ?? fixture.bystanderId) }),
  },
  'Mutation.issueToken': { requires: { platform: 'adminToken.manageOwn' }, run: ({ client }) => client('mutation { issueToken { token } }') },
  'Query.me': { requires: { platform: 'account.manageOwn' }, run: ({ client }) => client('{ me { id hasPassword memberships { orgId role } } }') },
  'Mutation.changePassword': {
    requires: { platform: 'account.manageOwn' },
    run: ({ client }) =>
      client('mutation ($password: String!) { changePassword(currentPassword: $password, newPassword: $password) { otherSessionsEnded } }', {
        password: MATRIX_PASSWORD,
      }),
  },
  'Query.sessions': { requires: { platform: 'session.manageOwn' }, run: ({ client }) => client('{ sessions { id current } }') },
  'Mutation.revokeSession': {
    requires: { platform: 'session.manageOwn' },
    run: async ({ client, fixture, userId }) =>
      client('mutation ($id: ID!) { revokeSession(id: $id) { id } }', { id: (await spareSession(userId ?? fixture.bystanderId)).id }),
  },
  'Mutation.revokeAllSessions': { requires: { platform: 'session.manageOwn' }, run: ({ client }) => client('mutation { revokeAllSessions { revoked } }') },
  'Query.models': { requires: { platform: 'catalog.read' }, run: ({ client }) => client('{ models { id aliases } }') },
  'Query.providers': { requires: { platform: 'catalog.read' }, run: ({ client }) => client('{ providers { slug apiKeyEnv } }') },
  'Mutation.upsertProvider': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) => client('mutation { upsertProvider(input: { slug: "matrix", baseUrl: "http://127.0.0.1:9/v1" }) { id } }'),
  },
  'Mutation.upsertModel': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) =>
      client(
        'mutation { upsertModel(input: { id: "simulator/matrix", name: "Matrix", endpoint: { providerSlug: "simulator", upstreamModel: "echo", prices: { prompt: 1, completion: 2 } } }) { id } }',
      ),
  },
  'Mutation.importCatalog': { requires: { platform: 'catalog.write' }, run: ({ client }) => client('mutation { importCatalog { modelsCreated } }') },
  'Mutation.setModelEnabled': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) => client('mutation { setModelEnabled(id: "simulator/echo", enabled: true) { id } }'),
  },
  'Mutation.overrideModelPrices': {
    requires: { platform: 'catalog.write' },
    run: ({ client }) =>
      client('mutation { overrideModelPrices(id: "simulator/echo", providerSlug: "simulator", prices: { prompt: 150, completion: 600 }) { id } }'),
  },
};

let testApp: TestApp;

async function bystanderKey(fixture: Fixture): Promise<string> {
  const key = generateSecret('sk-gw-');
  const row = await testApp.app.services.prisma.apiKey.create({
    data: { orgId: fixture.orgId, userId: fixture.bystanderId, name: 'bystander', keyHash: hashSecret(key), prefix: 'sk-gw-', last4: key.slice(-4) },
  });
  return row.id;
}

async function bystanderByokKey(fixture: Fixture): Promise<string> {
  const prisma = testApp.app.services.prisma;
  const provider = await prisma.provider.findUniqueOrThrow({ where: { slug: 'simulator' } });
  const owner = { orgId: fixture.orgId, userId: fixture.bystanderId, providerId: provider.id };
  const row = await prisma.byokCredential.create({
    data: { ...owner, ...sealSecret(testApp.app.services.byokKeyring, owner, 'sk-bystander-key'), last4: '-key' },
  });
  return row.id;
}

/** A pending invitation to the fixture's org for a new email, written directly (no audit row). */
async function freshInvitation(fixture: Fixture): Promise<{ id: string; token: string }> {
  const token = generateSecret('');
  const row = await testApp.app.services.prisma.invitation.create({
    data: {
      orgId: fixture.orgId,
      email: `${unique('invited')}@matrix.example`,
      role: 'member',
      tokenHash: hashSecret(token),
      invitedBy: 'system:matrix',
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  return { id: row.id, token };
}

/** A live password link for a new user, written directly (no audit row). */
async function freshPasswordLink(): Promise<string> {
  const token = generateSecret('');
  await testApp.app.services.prisma.user.create({
    data: {
      email: `${unique('reset')}@matrix.example`,
      passwordResets: { create: { tokenHash: hashSecret(token), issuedBy: 'system:matrix', expiresAt: new Date(Date.now() + 3_600_000) } },
    },
  });
  return token;
}

/** A live session of the user, written directly (no sign-in, so no audit row). */
async function spareSession(userId: string): Promise<{ id: string; secret: string }> {
  const secret = generateSecret('gws_');
  const row = await testApp.app.services.prisma.session.create({
    data: { userId, secretHash: hashSecret(secret), expiresAt: new Date(Date.now() + 3_600_000) },
  });
  return { id: row.id, secret };
}

async function spareAdminToken(userId: string): Promise<string> {
  const row = await testApp.app.services.prisma.adminToken.create({
    data: { userId, name: 'spare', tokenHash: hashSecret(generateSecret(ADMIN_TOKEN_PREFIX)) },
  });
  return row.id;
}

class GraphQLCallError extends Error {
  constructor(readonly code: string) {
    super(`GraphQL error ${code}`);
  }
}

function trpcOutcome(error: unknown): Outcome | string {
  if (!(error instanceof TRPCError)) return `unexpected ${String(error)}`;
  const outcomes: Partial<Record<TRPCError['code'], Outcome>> = { UNAUTHORIZED: 'unauthenticated', FORBIDDEN: 'forbidden', NOT_FOUND: 'not-found' };
  return outcomes[error.code] ?? `${error.code}: ${error.message}`;
}

function graphqlOutcome(error: unknown): Outcome | string {
  if (!(error instanceof GraphQLCallError)) return `unexpected ${String(error)}`;
  const outcomes: Record<string, Outcome> = { UNAUTHENTICATED: 'unauthenticated', forbidden: 'forbidden', not_found: 'not-found' };
  return outcomes[error.code] ?? error.code;
}

const isMutation = {
  trpc: (path: string) => (appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)[path]?._def.type === 'mutation',
  graphql: (path: string) => path.startsWith('Mutation.'),
};

describe.each(testEngines)('authorization matrix on %s', (engine) => {
  const tokens = {} as Record<Exclude<Subject, 'anonymous'>, string>;
  const userIds = {} as Record<Exclude<Subject, 'anonymous'>, string>;
  let fixture: Fixture;
  let yoga: ReturnType<typeof createGraphQLServer>;

  beforeAll(async () => {
    testApp = await createTestApp(engine);
    const prisma = testApp.app.services.prisma;
    // Password mails go nowhere; the public operations run far more often than one address may sign in.
    testApp.app.services.identity.mailer = { send: async () => {} };
    testApp.app.services.identity.signInRateLimit = createSignInRateLimit(100_000);
    yoga = createGraphQLServer(testApp.app.services);
    const org = await prisma.organization.create({ data: { name: 'Matrix' } });
    const otherOrg = await prisma.organization.create({ data: { name: 'Elsewhere' } });
    for (const subject of [...roles, 'outsider'] as const) {
      const admin = await testApp.createAdmin(`${subject}@matrix.example`);
      tokens[subject] = admin.token;
      userIds[subject] = admin.userId;
      await prisma.membership.create({
        data: { orgId: subject === 'outsider' ? otherOrg.id : org.id, userId: admin.userId, role: subject === 'outsider' ? 'owner' : subject },
      });
    }
    tokens['platform-admin'] = testApp.app.adminToken;
    userIds['platform-admin'] = (await prisma.user.findUniqueOrThrow({ where: { email: 'admin@localhost' } })).id;
    const bystander = await prisma.user.create({ data: { email: 'bystander@matrix.example', memberships: { create: { orgId: org.id, role: 'member' } } } });
    fixture = {
      orgId: org.id,
      bystanderId: bystander.id,
      async freshMember() {
        const user = await prisma.user.create({
          data: { email: `${unique('member')}@matrix.example`, memberships: { create: { orgId: org.id, role: 'member' } } },
        });
        return user.id;
      },
    };
  });
  afterAll(async () => {
    await testApp?.close();
  });

  test('every tRPC procedure has a matrix entry, and every entry a procedure', () => {
    expect(Object.keys(trpcMatrix).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
    // The audit check below relies on telling mutations apart.
    expect([isMutation.trpc('apiKeys.create'), isMutation.trpc('apiKeys.list')]).toEqual([true, false]);
  });

  test('every GraphQL query and mutation has a matrix entry, and every entry a field', () => {
    const fields = [
      ...Object.keys(schema.getQueryType()?.getFields() ?? {}).map((name) => `Query.${name}`),
      ...Object.keys(schema.getMutationType()?.getFields() ?? {}).map((name) => `Mutation.${name}`),
    ];
    expect(schema.getSubscriptionType()).toBeUndefined();
    expect(Object.keys(graphqlMatrix).sort()).toEqual(fields.sort());
  });

  async function check<Client>(
    face: 'trpc' | 'graphql',
    path: string,
    entry: Entry<Client>,
    clientFor: (credential: Credential | null) => Client,
    outcomeOf: (error: unknown) => Outcome | string,
  ): Promise<void> {
    const prisma = testApp.app.services.prisma;
    const mismatches: string[] = [];
    for (const subject of subjects) {
      for (const wayIn of subject === 'anonymous' ? (['admin-token'] as const) : waysIn) {
        const userId = subject === 'anonymous' ? null : userIds[subject];
        // A fresh session per call: some calls end the caller's sessions.
        const credential: Credential | null =
          subject === 'anonymous'
            ? null
            : wayIn === 'admin-token'
              ? { token: tokens[subject] }
              : { sessionSecret: (await spareSession(userIds[subject])).secret };
        const expected = expectedOutcome(entry.requires, subject, wayIn, path);
        const auditBefore = await prisma.auditLog.count();
        const outcome = await entry.run({ client: clientFor(credential), fixture, userId }).then(
          () => 'allowed',
          (error: unknown) => outcomeOf(error),
        );
        const audited = (await prisma.auditLog.count()) > auditBefore;
        if (outcome !== expected) mismatches.push(`${subject} by ${wayIn}: expected ${expected}, got ${outcome}`);
        else if (isMutation[face](path) && audited !== (outcome === 'allowed')) mismatches.push(`${subject} by ${wayIn}: ${outcome} but audited=${audited}`);
      }
    }
    expect(mismatches).toEqual([]);
  }

  test.each(Object.entries(trpcMatrix))('tRPC %s', async (path, entry) => {
    const clientFor = (credential: Credential | null) =>
      credential && 'sessionSecret' in credential
        ? createCaller(
            createContextInner(testApp.app.services, null, {
              sessionSecret: credential.sessionSecret,
              csrfToken: csrfTokenFor(credential.sessionSecret),
              safeMethod: false,
            }),
          )
        : testApp.caller(credential?.token ?? null);
    await check('trpc', path, entry, clientFor, trpcOutcome);
  });

  test.each(Object.entries(graphqlMatrix))('GraphQL %s', async (path, entry) => {
    const clientFor = (credential: Credential | null): GraphQLClient =>
      async function graphql(query, variables = {}) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (credential && 'token' in credential) headers.authorization = `Bearer ${credential.token}`;
        if (credential && 'sessionSecret' in credential) {
          headers.cookie = `gw_session=${credential.sessionSecret}`;
          headers['x-csrf-token'] = csrfTokenFor(credential.sessionSecret);
        }
        const response = await yoga.fetch('http://control-plane/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
        const result = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
        const error = result.errors?.[0];
        if (error) throw new GraphQLCallError(error.extensions?.code ?? error.message);
      };
    await check('graphql', path, entry, clientFor, graphqlOutcome);
  });
});
