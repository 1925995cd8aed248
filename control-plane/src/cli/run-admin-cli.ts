// The admin CLI (`npm run admin -- <command>`): a typed tRPC client over the same procedures the
// GraphQL face offers, so everything it does is authorized and audited like any other admin call.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { ledgerCreditKinds, ledgerKinds, usageDimensions } from '../services/billing/billing-vocabulary.ts';
import type { AppRouter } from '../trpc/routers/_app.ts';

export const adminCliUsage = `Usage: npm run admin -- <command> [options]

Commands:
  orgs create <name>
  orgs list
  keys create --org <id> --name <name> [--user <id>] [--expires <ISO time>]
              [--models <id|provider/*,...>] [--providers <slug,...>]
              [--daily <microdollars>] [--weekly <microdollars>] [--monthly <microdollars>]
              [--time-zone <IANA zone>] [--rpm <n>] [--tpm <n>]
             budgets and rate limits as for set-budget and set-rate-limits below
  keys list --org <id>
             each key with its budget and its own rate limits (null: none, or the org's default)
  keys revoke <key id>
  keys set-budget <key id> [--daily <microdollars>] [--weekly <microdollars>]
             [--monthly <microdollars>] [--time-zone <IANA zone>]
             replaces the key's whole budget (owners and admins): a window left out has no cap;
             windows reset at midnight in the time zone (default UTC), weeks start on Monday
  keys clear-budget <key id>
             no cap in any window
  keys set-rate-limits <key id> [--rpm <n>|default] [--tpm <n>|default]
             the key's own requests and tokens per minute (owners and admins); one left out or
             'default' follows the org policy's per-key default (policy set --key-rpm/--key-tpm)
  members list --org <id>
  members invite --org <id> --email <email> --role <owner|admin|member|billing>
             prints a one-time link (7 days) to pass on; also mailed when the control plane has SMTP_URL
  members invitations --org <id>
  members revoke-invitation <invitation id>
  members password-link --org <id> --user <id>
             owners: a one-time password link for a member who belongs to no org you do not own
  members set-role --org <id> --user <id> --role <owner|admin|member|billing>
  policy show --org <id>
  policy set --org <id> [--models <list>|all] [--allow-providers <list>|all]
             [--deny-providers <list>|none] [--daily-limit <microdollars>|none]
             [--org-rpm <n>|none] [--org-tpm <n>|none] [--key-rpm <n>|none] [--key-tpm <n>|none]
             --org-rpm/--org-tpm: requests and tokens per minute for the whole org;
             --key-rpm/--key-tpm: each key's default, unless the key sets its own
  alerts show --org <id>
             the budget alert thresholds (percent) and webhook URL
  alerts set --org <id> [--thresholds <percent,...>|none] [--webhook <https URL>|none] [--rotate-secret]
             changes what is given, keeps the rest; a new webhook URL (or --rotate-secret) prints
             its signing secret (whsec_...) once
  alerts delete --org <id>
             no thresholds, no webhook
  alerts deliveries --org <id> [--limit <n>]
             the webhook delivery log, newest first
  audit list --org <id> [--action <a>] [--actor <user:id>] [--since <ISO>] [--until <ISO>]
             [--limit <n>] [--cursor <c>]
  billing balance --org <id>
  billing limits --org <id>
             the balance, your own daily limit and each key budget, with what was spent in each
             window and when it resets
  billing ledger --org <id> [--kind <grant|purchase|usage|adjustment>] [--limit <n>] [--cursor <c>]
  billing usage --org <id> [--from <ISO>] [--to <ISO>] [--group-by <day,model,provider,user,key>] [--mine]
             the range is [from, to); to defaults to now, from to 30 days before to;
             --mine: only your own requests (any member may ask)
  billing credit --org <id> --kind <grant|purchase|adjustment> --amount <microdollars> [--note <text>]
             platform admins only; a negative adjustment is written --amount=-500
  byok create --org <id> --provider <slug> --key-file <path> [--user <id>]
             stores the provider key in the file (never on the command line) as the org's key,
             or as that member's own key with --user
  byok list --org <id>
  byok delete <credential id>
  byok rotate [--batch-size <n>]
             re-wraps every BYOK data key to GATEWAY_MASTER_KEY_VERSION (platform admins)
  catalog providers
  catalog models
  catalog upsert-provider --slug <slug> --base-url <url> [--kind <openai-compatible|anthropic|gemini|mistral>]
             [--api-key-env <NAME_API_KEY>] [--disabled]
             creates or changes a provider (platform admins); --disabled disables it
  catalog upsert-model --id <provider/model> --name <name> --provider <slug> --upstream-model <name>
             --prompt-price <n$/token> --completion-price <n$/token> [--cache-read-price <n$>]
             [--cache-write-price <n$>] [--priority <n>] [--weight <n>] [--aliases <id,...>] [--disabled]
             creates or changes a model and its endpoint on that provider; imports then keep it;
             endpoints of equal priority (lower first) share requests by weight (default 1)
  catalog enable-model <id>
  catalog disable-model <id>
  catalog set-prices <id> --provider <slug> --prompt-price <n$/token> --completion-price <n$/token>
             [--cache-read-price <n$>] [--cache-write-price <n$>]
  catalog import     imports the bundled catalog again (admin changes survive)
  catalog export <file.yaml>
             writes every provider and model (aliases, endpoints, prices) as YAML, to keep in git
  catalog apply <file.yaml>
             makes the catalog match the file's entries (those it leaves out stay; enabled: false
             disables) and prints what changed; applying it again changes nothing
  token issue        exchange the admin token for a 15-minute JWT
  users password-link --user <id>
             platform admins: a one-time password link (24 hours) for any user

Without an admin token:
  login [--email <email>] [--password-file <path>]
             signs in with email and password, creates an admin token for this machine from the
             session, writes it to the token file (mode 0600) and signs the session out
  accept-invitation <link or token> [--password-file <path>] [--name <name>]
             joins the org: your existing password, or the new account's
  password set <link or token> [--password-file <path>]
             spends a password link (from an owner, a platform admin, the first start or the mail)
  password forgot --email <email>
             asks the control plane to mail a password link (when it has SMTP_URL)
  Passwords are read from --password-file, else asked for on the terminal (not echoed), else read
  from the first line of stdin.

Options:
  --token-file <path>  admin token file when ADMIN_TOKEN is unset (and where login writes it)
                       default .data/admin-token
  --help               this text

Environment:
  CONTROL_PLANE_URL    default http://127.0.0.1:4000
  ADMIN_TOKEN          an admin token or admin JWT (wins over --token-file)

Output is JSON on stdout; errors go to stderr with exit status 1 (2 for usage errors).
`;

export interface AdminCliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Asks for a secret (a password) without echoing it. */
  readSecret(prompt: string): Promise<string>;
}

class UsageError extends Error {}

/** Options that take a value; each command reads its own numbers, lists and dates from the string. */
const valueOptions = [
  'org',
  'name',
  'user',
  'email',
  'role',
  'expires',
  'models',
  'providers',
  'allow-providers',
  'deny-providers',
  'daily-limit',
  'org-rpm',
  'org-tpm',
  'key-rpm',
  'key-tpm',
  'time-zone',
  'daily',
  'weekly',
  'monthly',
  'rpm',
  'tpm',
  'action',
  'actor',
  'since',
  'until',
  'limit',
  'cursor',
  'kind',
  'from',
  'to',
  'group-by',
  'amount',
  'note',
  'provider',
  'key-file',
  'slug',
  'id',
  'base-url',
  'api-key-env',
  'upstream-model',
  'prompt-price',
  'completion-price',
  'cache-read-price',
  'cache-write-price',
  'priority',
  'weight',
  'aliases',
  'batch-size',
  'thresholds',
  'webhook',
  'password-file',
] as const;
const flagOptions = ['mine', 'disabled', 'rotate-secret'] as const;

function optionsOfType<Name extends string, Type extends 'string' | 'boolean'>(type: Type, names: readonly Name[]): Record<Name, { type: Type }> {
  return Object.fromEntries(names.map((name) => [name, { type }])) as Record<Name, { type: Type }>;
}

const options = {
  ...optionsOfType('string', valueOptions),
  ...optionsOfType('boolean', flagOptions),
  'token-file': { type: 'string', default: '.data/admin-token' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];
type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

/** Runs one command; resolves to the process exit status. */
export async function runAdminCli(argv: string[], io: AdminCliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true });
    if (values.help || positionals.length === 0) {
      io.stdout(adminCliUsage);
      return values.help ? 0 : 2;
    }
    const url = (io.env.CONTROL_PLANE_URL || 'http://127.0.0.1:4000').replace(/\/+$/, '');
    const signedOut = await runSignedOutCommand(url, positionals, values, io);
    if (signedOut !== undefined) {
      io.stdout(JSON.stringify(signedOut, null, 2) + '\n');
      return 0;
    }
    const token = io.env.ADMIN_TOKEN || (await readToken(values['token-file']));
    const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, headers: { authorization: `Bearer ${token}` } })] });
    const result = await runCommand(client, positionals, values);
    io.stdout(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`${error.message}\n\n${adminCliUsage}`);
      return 2;
    }
    io.stderr(
      `error: ${error instanceof TRPCClientError ? `${error.message} (${String((error.data as { code?: string } | undefined)?.code ?? 'unknown')})` : String(error)}\n`,
    );
    return 1;
  }
}

/** A link's token, whether given the whole link or the token alone. */
function linkToken(argument: string | undefined, command: string): string {
  if (!argument) throw new UsageError(`${command} needs the link (or its token)`);
  return /^https?:\/\//.test(argument) ? (new URL(argument).searchParams.get('token') ?? '') : argument;
}

async function readPassword(values: Values, io: AdminCliIo, prompt: string): Promise<string> {
  const file = values['password-file'];
  const password = file ? (await readFile(file, 'utf8')).split(/\r?\n/, 1)[0]! : await io.readSecret(prompt);
  if (!password) throw new UsageError('no password given');
  return password;
}

/** The commands that run without an admin token; undefined for every other command. */
async function runSignedOutCommand(url: string, positionals: string[], values: Values, io: AdminCliIo): Promise<unknown> {
  const [group, command, argument] = positionals;
  const anonymous = () => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc` })] });
  switch (group === 'login' || group === 'accept-invitation' ? group : `${group} ${command}`) {
    case 'login':
      return logIn(url, values, io);
    case 'accept-invitation':
      return anonymous().invitations.accept.mutate({
        token: linkToken(command, 'accept-invitation'),
        password: await readPassword(values, io, 'Password (your existing one, or a new one of 12+ characters): '),
        name: values.name ?? null,
      });
    case 'password set':
      return anonymous().auth.resetPassword.mutate({
        token: linkToken(argument, 'password set'),
        password: await readPassword(values, io, 'New password (12+ characters): '),
      });
    case 'password forgot':
      return anonymous().auth.requestPasswordReset.mutate({ email: required(values, 'email') });
    default:
      return undefined;
  }
}

/**
 * `login`: the CLI's sign-in. It signs in like a browser (POST /auth/login), uses the session to create an
 * admin token named after this machine, saves it where the other commands read it, and signs the session
 * out again: the CLI keeps an admin token (revocable with the others), not a browser session.
 */
async function logIn(url: string, values: Values, io: AdminCliIo): Promise<unknown> {
  const email = values.email ?? (await io.readSecret('Email: '));
  const password = await readPassword(values, io, 'Password: ');
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await response.json()) as { csrfToken?: string; user?: { email: string }; error?: { message: string; code: string } };
  if (!response.ok || !body.csrfToken) throw new Error(`sign-in refused: ${body.error?.message ?? response.status} (${body.error?.code ?? 'unknown'})`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';', 1)[0]!;
  const headers = { cookie, 'x-csrf-token': body.csrfToken };
  try {
    const session = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/trpc`, headers })] });
    const created = await session.adminTokens.create.mutate({ name: `cli ${hostname()} ${new Date().toISOString().slice(0, 10)}` });
    await mkdir(dirname(values['token-file']), { recursive: true });
    await writeFile(values['token-file'], created.token + '\n', { mode: 0o600 });
    return { email: body.user?.email, adminTokenId: created.id, tokenFile: values['token-file'] };
  } finally {
    await fetch(`${url}/auth/logout`, { method: 'POST', headers });
  }
}

async function readToken(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new UsageError(`no ADMIN_TOKEN and no readable token file at ${path}`);
  }
}

/** The command's own argument (an id, a name); `usage` says which when it is missing. */
function requiredArgument(argument: string | undefined, usage: string): string {
  if (!argument) throw new UsageError(usage);
  return argument;
}

function required(values: Values, name: 'org' | 'name' | 'user' | 'email' | 'role'): string {
  const value = values[name];
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** `a,b` → ['a', 'b']; the word given as `none` (e.g. `all`) → null. */
function list(value: string | undefined, none: string): string[] | null | undefined {
  if (value === undefined) return undefined;
  if (value === none) return null;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function role(values: Values): 'owner' | 'admin' | 'member' | 'billing' {
  const value = required(values, 'role');
  if (value !== 'owner' && value !== 'admin' && value !== 'member' && value !== 'billing') throw new UsageError(`unknown role ${value}`);
  return value;
}

function option(values: Values, name: 'slug' | 'id' | 'name' | 'base-url' | 'provider' | 'upstream-model'): string {
  const value = values[name];
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

function usage(synopsis: string): never {
  throw new UsageError(`usage: ${synopsis}`);
}

/** Nanodollars per token from --prompt-price and --completion-price (required), and the cache prices. */
function prices(values: Values): { prompt: number; completion: number; cacheRead: number | null; cacheWrite: number | null } {
  const price = (name: 'prompt-price' | 'completion-price') => integer(values[name], name) ?? usage(`--${name} <nanodollars per token> is required`);
  return {
    prompt: price('prompt-price'),
    completion: price('completion-price'),
    cacheRead: integer(values['cache-read-price'], 'cache-read-price') ?? null,
    cacheWrite: integer(values['cache-write-price'], 'cache-write-price') ?? null,
  };
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(value);
}

/** `50,80,100` → [50, 80, 100]; `none` → []. */
function percentages(value: string): number[] {
  return (list(value, 'none') ?? []).map((item) => integer(item, 'thresholds') ?? 0);
}

/** A per-minute limit: a positive integer, or the word that means "not set" (null). */
function perMinute(value: string | undefined, name: string, unset: string): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === unset) return null;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${name} must be a positive integer or ${unset}`);
  return Number(value);
}

/** The key budget from --daily, --weekly, --monthly (microdollars) and --time-zone; undefined when none is given. */
function keyBudget(values: Values) {
  const windows = {
    dailyMicros: integer(values.daily, 'daily'),
    weeklyMicros: integer(values.weekly, 'weekly'),
    monthlyMicros: integer(values.monthly, 'monthly'),
  };
  if (Object.values(windows).every((micros) => micros === undefined)) {
    if (values['time-zone'] !== undefined) throw new UsageError('--time-zone needs --daily, --weekly or --monthly');
    return undefined;
  }
  return {
    dailyMicros: windows.dailyMicros ?? null,
    weeklyMicros: windows.weeklyMicros ?? null,
    monthlyMicros: windows.monthlyMicros ?? null,
    timeZone: values['time-zone'] ?? 'UTC',
  };
}

function oneOf<const Choice extends string>(value: string, name: string, choices: readonly Choice[]): Choice {
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}`);
  return value as Choice;
}

async function runCommand(client: Client, positionals: string[], values: Values): Promise<unknown> {
  const [group, command, argument] = positionals;
  switch (`${group} ${command}`) {
    case 'orgs create':
      return client.organizations.create.mutate({ name: requiredArgument(argument, 'orgs create needs a name') });
    case 'orgs list':
      return client.organizations.list.query();
    case 'keys create': {
      const models = list(values.models, 'all');
      const providers = list(values.providers, 'all');
      return client.apiKeys.create.mutate({
        orgId: required(values, 'org'),
        name: required(values, 'name'),
        userId: values.user,
        expiresAt: values.expires ? new Date(values.expires) : null,
        scopes: models === undefined && providers === undefined ? undefined : { models: models ?? null, providers: providers ?? null },
        budget: keyBudget(values),
        rateLimits:
          values.rpm === undefined && values.tpm === undefined
            ? undefined
            : { rpm: perMinute(values.rpm, 'rpm', 'default') ?? null, tpm: perMinute(values.tpm, 'tpm', 'default') ?? null },
      });
    }
    case 'keys list':
      return client.apiKeys.list.query({ orgId: required(values, 'org') });
    case 'keys revoke':
      return client.apiKeys.revoke.mutate({ id: requiredArgument(argument, 'keys revoke needs a key id') });
    case 'keys set-budget':
      return client.apiKeys.setBudget.mutate({
        id: argument ?? usage('keys set-budget <key id> [--daily <µ$>] [--weekly <µ$>] [--monthly <µ$>] [--time-zone <zone>]'),
        budget: keyBudget(values) ?? usage('keys set-budget needs --daily, --weekly or --monthly (keys clear-budget removes every cap)'),
      });
    case 'keys clear-budget':
      return client.apiKeys.setBudget.mutate({ id: argument ?? usage('keys clear-budget <key id>'), budget: {} });
    case 'keys set-rate-limits': {
      const id = argument ?? usage('keys set-rate-limits <key id> [--rpm <n>|default] [--tpm <n>|default]');
      if (values.rpm === undefined && values.tpm === undefined) throw new UsageError('keys set-rate-limits needs --rpm or --tpm');
      return client.apiKeys.setRateLimits.mutate({
        id,
        rateLimits: { rpm: perMinute(values.rpm, 'rpm', 'default') ?? null, tpm: perMinute(values.tpm, 'tpm', 'default') ?? null },
      });
    }
    case 'members list':
      return client.members.list.query({ orgId: required(values, 'org') });
    case 'members invite':
      return client.members.invite.mutate({ orgId: required(values, 'org'), email: required(values, 'email'), role: role(values) });
    case 'members invitations':
      return client.members.invitations.query({ orgId: required(values, 'org') });
    case 'members revoke-invitation':
      return client.members.revokeInvitation.mutate({ id: requiredArgument(argument, 'members revoke-invitation needs an invitation id') });
    case 'members password-link':
      return client.members.issuePasswordReset.mutate({ orgId: required(values, 'org'), userId: required(values, 'user') });
    case 'users password-link':
      return client.users.issuePasswordReset.mutate({ userId: required(values, 'user') });
    case 'members set-role':
      return client.members.setRole.mutate({ orgId: required(values, 'org'), userId: required(values, 'user'), role: role(values) });
    case 'policy show':
      return client.policies.get.query({ orgId: required(values, 'org') });
    case 'policy set': {
      const denied = list(values['deny-providers'], 'none');
      const limit = values['daily-limit'];
      return client.policies.update.mutate({
        orgId: required(values, 'org'),
        allowedModels: list(values.models, 'all'),
        allowedProviders: list(values['allow-providers'], 'all'),
        deniedProviders: denied === null ? [] : denied,
        dailyLimitMicros: limit === 'none' ? null : integer(limit, 'daily-limit'),
        orgRpmLimit: perMinute(values['org-rpm'], 'org-rpm', 'none'),
        orgTpmLimit: perMinute(values['org-tpm'], 'org-tpm', 'none'),
        keyRpmLimit: perMinute(values['key-rpm'], 'key-rpm', 'none'),
        keyTpmLimit: perMinute(values['key-tpm'], 'key-tpm', 'none'),
      });
    }
    case 'alerts show':
      return client.alerts.get.query({ orgId: required(values, 'org') });
    case 'alerts set': {
      const orgId = required(values, 'org');
      if (values.thresholds === undefined && values.webhook === undefined && !values['rotate-secret']) {
        throw new UsageError('alerts set needs --thresholds, --webhook or --rotate-secret');
      }
      const current = await client.alerts.get.query({ orgId });
      return client.alerts.set.mutate({
        orgId,
        thresholds: values.thresholds === undefined ? current.thresholds : percentages(values.thresholds),
        webhookUrl: values.webhook === undefined ? current.webhookUrl : values.webhook === 'none' ? null : values.webhook,
        rotateSecret: values['rotate-secret'] ?? false,
      });
    }
    case 'alerts delete':
      return client.alerts.set.mutate({ orgId: required(values, 'org'), thresholds: [], webhookUrl: null });
    case 'alerts deliveries':
      return client.alerts.deliveries.query({ orgId: required(values, 'org'), limit: integer(values.limit, 'limit') });
    case 'audit list':
      return client.audit.list.query({
        orgId: required(values, 'org'),
        action: values.action,
        actor: values.actor,
        since: values.since ? new Date(values.since) : undefined,
        until: values.until ? new Date(values.until) : undefined,
        limit: integer(values.limit, 'limit'),
        cursor: values.cursor,
      });
    case 'billing balance':
      return client.billing.balance.query({ orgId: required(values, 'org') });
    case 'billing limits':
      return client.billing.limits.query({ orgId: required(values, 'org') });
    case 'billing ledger':
      return client.billing.ledger.query({
        orgId: required(values, 'org'),
        kind: values.kind === undefined ? undefined : oneOf(values.kind, 'kind', ledgerKinds),
        limit: integer(values.limit, 'limit'),
        cursor: values.cursor,
      });
    case 'billing usage': {
      const to = values.to ? new Date(values.to) : new Date();
      const from = values.from ? new Date(values.from) : new Date(to.getTime() - 30 * 86_400_000);
      const groupBy = (list(values['group-by'], '') ?? []).map((dimension) => oneOf(dimension, 'group-by', usageDimensions));
      const query = { orgId: required(values, 'org'), from, to, groupBy };
      return values.mine ? client.billing.myUsage.query(query) : client.billing.usage.query(query);
    }
    case 'billing credit': {
      if (values.kind === undefined) throw new UsageError('--kind is required');
      const kind = oneOf(values.kind, 'kind', ledgerCreditKinds);
      if (!values.amount || !/^-?\d+$/.test(values.amount)) throw new UsageError('--amount must be an integer number of microdollars');
      return client.billing.addLedgerEntry.mutate({ orgId: required(values, 'org'), kind, amountMicros: Number(values.amount), note: values.note });
    }
    case 'byok create': {
      const keyFile = values['key-file'];
      if (!keyFile) throw new UsageError('--key-file is required');
      const key = (await readFile(keyFile, 'utf8')).trim();
      if (!values.provider) throw new UsageError('--provider is required');
      return client.byok.create.mutate({ orgId: required(values, 'org'), provider: values.provider, key, userId: values.user ?? null });
    }
    case 'byok list':
      return client.byok.list.query({ orgId: required(values, 'org') });
    case 'byok delete':
      return client.byok.delete.mutate({ id: requiredArgument(argument, 'byok delete needs a credential id') });
    case 'byok rotate':
      return client.byok.rotate.mutate({ batchSize: integer(values['batch-size'], 'batch-size') });
    case 'catalog providers':
      return client.catalog.providers.query();
    case 'catalog models':
      return client.models.list.query();
    case 'catalog upsert-provider':
      return client.catalog.upsertProvider.mutate({
        slug: option(values, 'slug'),
        baseUrl: option(values, 'base-url'),
        kind: values.kind === undefined ? undefined : oneOf(values.kind, 'kind', ['openai-compatible', 'anthropic', 'gemini', 'mistral']),
        apiKeyEnv: values['api-key-env'] ?? null,
        enabled: !values.disabled,
      });
    case 'catalog upsert-model':
      return client.catalog.upsertModel.mutate({
        id: option(values, 'id'),
        name: option(values, 'name'),
        aliases: list(values.aliases, 'none') ?? undefined,
        enabled: !values.disabled,
        endpoint: {
          providerSlug: option(values, 'provider'),
          upstreamModel: option(values, 'upstream-model'),
          priority: integer(values.priority, 'priority'),
          weight: integer(values.weight, 'weight'),
          prices: prices(values),
        },
      });
    case 'catalog enable-model':
    case 'catalog disable-model':
      return client.catalog.setModelEnabled.mutate({ id: argument ?? usage(`${group} ${command} <id>`), enabled: command === 'enable-model' });
    case 'catalog set-prices':
      return client.catalog.overrideModelPrices.mutate({
        id: argument ?? usage('catalog set-prices <id>'),
        providerSlug: option(values, 'provider'),
        prices: prices(values),
      });
    case 'catalog import':
      return client.catalog.import.mutate();
    case 'catalog export': {
      const file = argument ?? usage('catalog export <file.yaml>');
      const catalog = await client.catalog.exportFile.query();
      await writeFile(file, stringifyYaml(catalog));
      return { file, providers: catalog.providers.length, models: catalog.models.length };
    }
    case 'catalog apply': {
      const file = argument ?? usage('catalog apply <file.yaml>');
      return client.catalog.applyFile.mutate(parseYaml(await readFile(file, 'utf8')) as Parameters<Client['catalog']['applyFile']['mutate']>[0]);
    }
    case 'token issue':
      return client.auth.issueToken.mutate();
    default:
      throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
}
