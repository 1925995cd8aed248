// `npm start`: the whole gateway on one machine for a first try — control plane on the embedded
// database, a data plane subscribed to it (in its own process, so control-plane work never delays a
// request) and, unless a real provider key is configured, the built-in OpenAI-compatible upstream
// simulator behind the `simulator/*` models (in a process of its own too, for the same reason).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../control-plane/src/app.ts';
import { parseGraphqlIntrospection } from '../control-plane/src/graphql/create-yoga.ts';
import { describeProviderKeys } from '../data-plane/src/pipeline/provider-availability.ts';
import { readProviderKeys } from '../data-plane/src/pipeline/provider-keys.ts';
import { createLogger } from '../shared/src/logger.ts';
import { parseAllowPrivateUpstreams } from '../shared/src/upstream-address.ts';
import { lowerThisProcess, parseNiceIncrement } from './lower-thread-priority.ts';
import { startDataPlaneProcess } from './start-data-plane-process.ts';
import { startSimulatorProcess } from './start-simulator-process.ts';

const help = `Usage: npm start [-- --help]

Runs the control plane in this process, and a data plane (its event loop relays requests and nothing
else) and, for a first try, the upstream simulator in child processes of their own. The first start creates the data folder: the embedded database, signing keys, a dev organization, an admin
user, and a dev API key (printed once, saved to <data dir>/dev-key) and admin token (admin-token). Until
the admin user (admin@localhost) has a password, every start prints a one-time link to set it.

Data plane, http://127.0.0.1:8080 (each route also under /api/gateway and /api/gateway/v1 in place of /v1):
  POST /v1/chat/completions, /v1/responses, /v1/messages, /v1/messages/count_tokens, /v1/fim/completions,
       /v1/embeddings
  GET  /v1/models, /v1/generation?id=<id>, /v1/usage, /healthz
Control plane, http://127.0.0.1:4000: the admin console at /, GraphQL /graphql (GraphiQL in a browser),
  tRPC /trpc, GET /healthz, GET /metrics (with METRICS_TOKEN), browser sign-in
  POST /auth/login, GET /auth/session, POST /auth/logout, the pages one-time links open:
  /auth/invitation, /auth/reset-password, and single sign-on: /auth/sso/start, /auth/sso/callback
(routes explained: node --import tsx data-plane/src/main.ts --help, and control-plane/src/main.ts --help)

Environment:
  GATEWAY_DATA_DIR      where the embedded database, keys and spool live      default ./.data
  DATABASE_URL          use this PostgreSQL instead of the embedded PGlite    default unset
  CONTROL_PLANE_PORT    control plane (GraphQL /graphql, tRPC /trpc)          default 4000
  DATA_PLANE_PORT       data plane (OpenAI-compatible API)                   default 8080
  SIMULATOR_PORT        built-in upstream simulator                          default 4010
  DATA_PLANE_WORKERS    the data plane's serving threads; the control plane
                        and the simulator share the machine                  default 1
  CONTROL_PLANE_NICE    added to the nice value of the control plane's threads
                        once the data plane runs (0-19; 0 = one priority):
                        its usage ingest yields a busy core to the data plane default 10
  OPENAI_API_KEY        when set, the simulator is not started and openai/* models use OpenAI
  ALLOW_PRIVATE_UPSTREAMS  providers on private, loopback and link-local addresses (the simulator
                        is on 127.0.0.1): true = allowed, false = refused   default true
  GRAPHQL_INTROSPECTION GraphQL introspection, GraphiQL, field suggestions   default true
  GATEWAY_MASTER_KEYS   BYOK master keys "1:<base64 32 bytes>,2:..."         default generated into
                        <data dir>/keys/byok-master-keys on first start
  GATEWAY_MASTER_KEY_VERSION  the version that wraps new BYOK keys          default the highest
  LOG_LEVEL             trace, debug, info, warn, error, fatal, silent       default info
  LOG_FORMAT            pretty (lines for people) or json               default pretty in a terminal
  METRICS_TOKEN         the control plane serves GET /metrics to a scrape bearing it (the data
                        plane's METRICS_PORT: see its --help)               default unset
  Provider keys, for the providers' models: OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY,
  XAI_API_KEY, MISTRAL_API_KEY, MINIMAX_API_KEY, DEEPSEEK_API_KEY, GROQ_API_KEY, COHERE_API_KEY,
  PERPLEXITY_API_KEY, MOONSHOT_API_KEY, TOGETHER_API_KEY, FIREWORKS_API_KEY, CEREBRAS_API_KEY

The data plane reads its other settings (Redis spend counters, timeouts, the usage spool) from this
environment: see node --import tsx data-plane/src/main.ts --help.
`;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(help);
  process.exit(0);
}

// npm install builds the console; this catches a pull without an install (only rebuilds when a source is newer).
spawnSync(process.execPath, [fileURLToPath(new URL('build-console.mjs', import.meta.url)), '--if-stale'], { stdio: 'inherit' });

const controlPlaneNice = parseNiceIncrement(process.env.CONTROL_PLANE_NICE);
const dataDir = resolve(process.env.GATEWAY_DATA_DIR ?? '.data');
mkdirSync(dataDir, { recursive: true });
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const log = (line: string) => process.stdout.write(`${line}\n`);
// Both planes log JSON lines; in a terminal, lines for people (the data plane's child inherits it).
if (process.stdout.isTTY && process.env.LOG_FORMAT === undefined) process.env.LOG_FORMAT = 'pretty';
const logger = createLogger('control-plane');

// A first try on one machine: its simulator (and any local model server) is on a private address.
const allowPrivateUpstreams = parseAllowPrivateUpstreams(process.env.ALLOW_PRIVATE_UPSTREAMS, true);
const simulator = process.env.OPENAI_API_KEY ? null : await startSimulatorProcess(port('SIMULATOR_PORT', 4010));

const controlPlane = await startControlPlane({
  port: port('CONTROL_PLANE_PORT', 4000),
  dataDir,
  databaseUrl: process.env.DATABASE_URL,
  simulatorBaseUrl: simulator?.baseUrl ?? null,
  allowPrivateUpstreams,
  // A first try wants to explore the API; the control plane's own command keeps it closed.
  graphqlIntrospection: parseGraphqlIntrospection(process.env.GRAPHQL_INTROSPECTION, true),
  masterKeys: process.env.GATEWAY_MASTER_KEYS,
  masterKeyVersion: process.env.GATEWAY_MASTER_KEY_VERSION,
  logger,
  metricsToken: process.env.METRICS_TOKEN || null,
});

const dataPlane = await startDataPlaneProcess({
  port: port('DATA_PLANE_PORT', 8080),
  controlPlaneUrl: controlPlane.url,
  dataPlaneToken: controlPlane.dataPlaneToken,
  snapshotPublicJwk: controlPlane.publicJwk,
  // The key pair the control plane generated for BYOK keys in snapshots (none when only its public half is configured).
  byokPrivateKeyFile: controlPlane.dataPlaneEncryptionKeyFile ?? null,
  stateDir: join(dataDir, 'data-plane'),
  allowPrivateUpstreams,
});
// After the spawn: the data plane inherits the nice value of the thread that started it (lower-thread-priority.ts).
if (controlPlaneNice > 0 && lowerThisProcess(controlPlaneNice) === null) {
  logger.warn("CONTROL_PLANE_NICE: the system refused a lower priority; the control plane runs at the data plane's");
}
// /healthz answers 503 until the first snapshot arrived.
while (
  !(await fetch(`${dataPlane.url}/healthz`).then(
    (response) => response.ok,
    () => false,
  ))
)
  await new Promise((done) => setTimeout(done, 50));

const devKeyFile = join(dataDir, 'dev-key');
// The data plane (a child of this process) reads the same environment, so these are its platform keys.
const providers = await controlPlane.prisma.provider.findMany({ where: { enabled: true }, select: { slug: true, apiKeyEnv: true } });
// The banner is written in one piece once everything in it is known: a reader that sees "Gateway ready."
// (a person, or a script waiting for it) sees the whole banner, dev key included.
const banner: string[] = [];
const bannerLine = (line: string) => banner.push(line);
bannerLine('');
bannerLine(`Gateway ready.`);
bannerLine(`  Data plane (OpenAI-compatible): ${dataPlane.url}/v1   (also ${dataPlane.url}/api/gateway)`);
bannerLine(`  Admin console:                  ${controlPlane.url}/`);
bannerLine(`  Control plane:                  ${controlPlane.url}/graphql and ${controlPlane.url}/trpc`);
bannerLine(
  simulator
    ? `  Upstream simulator:             ${simulator.baseUrl} (models simulator/*; set OPENAI_API_KEY to use OpenAI)`
    : '  Upstream simulator:             off (OPENAI_API_KEY is set)',
);
bannerLine(`  Providers:                      ${describeProviderKeys(providers, readProviderKeys())}`);
if (controlPlane.devApiKey) {
  bannerLine(`  Dev API key (shown once, also saved to ${devKeyFile}):`);
  bannerLine(`    ${controlPlane.devApiKey}`);
} else {
  bannerLine(`  Dev API key: ${readFileSync(devKeyFile, 'utf8').trim().slice(0, 10)}… (in ${devKeyFile})`);
}
if (controlPlane.adminPasswordLink) {
  bannerLine(`  Admin sign-in: admin@localhost has no password yet. Set it once (the link works 24 hours, and a new`);
  bannerLine(`  one is printed on every start until a password is set):`);
  bannerLine(`    ${controlPlane.adminPasswordLink}`);
  bannerLine(`    or: npm run admin -- password set '${controlPlane.adminPasswordLink}'`);
}
bannerLine('');
bannerLine(`Try: curl ${dataPlane.url}/v1/chat/completions -H "Authorization: Bearer $(cat ${devKeyFile})" \\`);
bannerLine(`       -H 'content-type: application/json' -d '{"model":"simulator/echo","messages":[{"role":"user","content":"Hello"}]}'`);
process.stdout.write(`${banner.join('\n')}\n`);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log(`${signal}: shutting down`);
  await dataPlane.stop();
  await controlPlane.close();
  await simulator?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
void dataPlane.exited.then(() => {
  if (!closing) void shutdown('the data plane exited');
});
process.on('SIGTERM', () => void shutdown('SIGTERM'));
