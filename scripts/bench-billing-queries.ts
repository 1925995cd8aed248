// npm run bench:billing: the billing queries, the request log's keyset pages and the latency percentiles
// timed on a million (--rows) seeded usage rows in PostgreSQL.
// Creates a throwaway database beside BENCH_DATABASE_URL (default: TEST_DATABASE_URL, else the local
// server), migrates and seeds it (scripts/seed-usage-rows.ts), runs each query several times through
// the same service functions the APIs call, EXPLAINs it, writes bench/results/billing-queries.md and
// drops the database. Numbers come from this run only; nothing here asserts a time.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Prisma } from '../control-plane/generated/prisma/client.ts';
import { openDatabase } from '../control-plane/src/db/open-database.ts';
import { getBalance } from '../control-plane/src/services/billing/get-balance.ts';
import { listLedgerEntries } from '../control-plane/src/services/billing/list-ledger-entries.ts';
import { summarizeUsage, usageSummaryQuery } from '../control-plane/src/services/billing/summarize-usage.ts';
import type { UsageDimension } from '../control-plane/src/services/billing/billing-vocabulary.ts';
import { LATENCY_SAMPLE, latencyQuery, summarizeLatency } from '../control-plane/src/services/request-latency.ts';
import { listRequests } from '../control-plane/src/services/request-log.ts';
import type { ServiceContext } from '../control-plane/src/services/service-context.ts';
import { seedUsageRows } from './seed-usage-rows.ts';

const usage = `Usage: npm run bench:billing -- [--rows <n>] [--runs <n>] [--out <file>] [--keep]

  --rows   usage rows to seed, over 90 days          default 1000000
  --runs   timed runs per query (after one warm-up)   default 7
  --out    report file                                default bench/results/billing-queries.md
  --keep   leave the database in place and print its URL

Environment: BENCH_DATABASE_URL (else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test)
names the server; a database billing_bench_<random> is created there and dropped afterwards.
`;

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '7' },
    out: { type: 'string', default: 'bench/results/billing-queries.md' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const rows = Number(values.rows);
const runs = Number(values.runs);

const serverUrl = new URL(process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
const databaseName = `billing_bench_${randomBytes(4).toString('hex')}`;
const databaseUrl = new URL(serverUrl);
databaseUrl.pathname = `/${databaseName}`;

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl.toString() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface BenchQuery {
  name: string;
  run(): Promise<unknown>;
  explain: Prisma.Sql;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The scans a plan uses: `Index Scan using x`, `Index Only Scan using x`, `Bitmap Index Scan on x`, `Seq Scan on x`. */
function scansOf(plan: string[]): string[] {
  const scans = plan.flatMap((line) => {
    const match = /((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?) (?:using|on) "?([\w]+)"?/.exec(line);
    return match ? [`${match[1]} ${match[2]}`] : [];
  });
  return [...new Set(scans)];
}

function executionMs(plan: string[]): string {
  return plan.map((line) => /^Execution Time: ([\d.]+) ms/.exec(line)?.[1]).find((value) => value !== undefined) ?? '?';
}

await onServer(`CREATE DATABASE ${databaseName}`);
const database = await openDatabase({ databaseUrl: databaseUrl.toString() });
try {
  const end = new Date('2026-11-25T00:00:00.000Z');
  const seedClient = new pg.Client({ connectionString: databaseUrl.toString() });
  await seedClient.connect();
  const seedStarted = performance.now();
  const seeded = await seedUsageRows(seedClient, { rows, days: 90, end, orgs: 5, usersPerOrg: 25, keysPerUser: 2, models: 12, providers: 4 }).finally(() =>
    seedClient.end(),
  );
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const [count] = await database.prisma.$queryRaw<{ usage: bigint; daily: bigint; ledger: bigint; version: string }[]>`
    SELECT (SELECT count(*) FROM "usage_records") AS "usage", (SELECT count(*) FROM "usage_daily") AS "daily",
      (SELECT count(*) FROM "ledger_entries") AS "ledger", current_setting('server_version') AS "version"`;
  if (!count) throw new Error('no counts');

  const context: ServiceContext = { prisma: database.prisma, actor: { kind: 'system', name: 'bench' }, snapshotChanged: () => undefined };
  const orgId = seeded.busiestOrgId;
  const orgRows = await database.prisma.usageRecord.count({ where: { orgId } });
  const smallOrgRows = await database.prisma.usageRecord.count({ where: { orgId: seeded.smallestOrgId } });
  // A 30-day range with mid-day edges at both ends, ending a few hours before the newest row.
  const to = new Date(end.getTime() - (3 * 60 + 17) * 60_000);
  const from = new Date(to.getTime() - 30 * 86_400_000);
  const middle = await database.prisma.ledgerEntry.findFirstOrThrow({
    where: { orgId },
    orderBy: { id: 'desc' },
    skip: Math.floor(orgRows / 2),
    select: { id: true },
  });
  const ledgerSql = (kind: string | null, cursor: bigint | null, ledgerOrgId = orgId) => Prisma.sql`
    SELECT * FROM "ledger_entries" WHERE "org_id" = ${ledgerOrgId}
    ${kind === null ? Prisma.empty : Prisma.sql`AND "kind" = ${kind}::ledger_kind`}
    ${cursor === null ? Prisma.empty : Prisma.sql`AND "id" < ${cursor}`}
    ORDER BY "id" DESC LIMIT 51`;
  const usageQuery = (groupBy: UsageDimension[], usageOrgId = orgId): BenchQuery => ({
    name: `usage, 30 days with mid-day edges, ${groupBy.length === 0 ? 'totals only' : `by ${groupBy.join(' + ')}`}${usageOrgId === orgId ? '' : ', smallest org'}`,
    run: () => summarizeUsage(context, { orgId: usageOrgId, from, to, groupBy }),
    explain: usageSummaryQuery(usageOrgId, from, to, groupBy),
  });
  // The request log's keyset pages: the statement Prisma sends for listRequests (services/request-log.ts),
  // written out for EXPLAIN. A cursor is the page's last row; deep pages start at the row `depth` rows down.
  const requestLogSql = (filter: Prisma.Sql, cursor: { startedAt: Date; id: bigint } | null) => Prisma.sql`
    SELECT * FROM "usage_records" WHERE "org_id" = ${orgId} ${filter}
    ${
      cursor === null
        ? Prisma.empty
        : Prisma.sql`AND "started_at" <= ${cursor.startedAt} AND ("started_at" < ${cursor.startedAt} OR ("started_at" = ${cursor.startedAt} AND "id" < ${cursor.id}))`
    }
    ORDER BY "started_at" DESC, "id" DESC LIMIT 51`;
  const rowAtDepth = async (depth: number, where: { userId?: string; apiKeyId?: string } = {}) =>
    database.prisma.usageRecord.findFirstOrThrow({
      where: { orgId, ...where },
      orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
      skip: depth,
      select: { startedAt: true, id: true, userId: true, apiKeyId: true },
    });
  const newest = await rowAtDepth(0);
  const middleRow = await rowAtDepth(Math.floor(orgRows / 2));
  const oldestPage = await rowAtDepth(orgRows - 60);
  const userRows = await database.prisma.usageRecord.count({ where: { orgId, userId: newest.userId } });
  const userDeep = await rowAtDepth(Math.floor(userRows * 0.9), { userId: newest.userId });
  const keyRows = await database.prisma.usageRecord.count({ where: { orgId, apiKeyId: newest.apiKeyId } });
  const cursorOf = (row: { startedAt: Date; id: bigint }) => `${row.startedAt.getTime()}.${row.id}`;
  const requestLogQuery = (name: string, input: { userId?: string; apiKeyId?: string; model?: string }, cursorRow: { startedAt: Date; id: bigint } | null) => {
    const filter = Prisma.join(
      [
        Prisma.sql`TRUE`,
        ...(input.userId === undefined ? [] : [Prisma.sql`"user_id" = ${input.userId}`]),
        ...(input.apiKeyId === undefined ? [] : [Prisma.sql`"api_key_id" = ${input.apiKeyId}`]),
        ...(input.model === undefined ? [] : [Prisma.sql`"requested_model" = ${input.model}`]),
      ],
      ' AND ',
      'AND ',
    );
    return {
      name,
      run: () => listRequests(context, { orgId, ...input, ...(cursorRow === null ? {} : { cursor: cursorOf(cursorRow) }) }),
      explain: requestLogSql(filter, cursorRow),
    } satisfies BenchQuery;
  };

  const queries: BenchQuery[] = [
    requestLogQuery('request log, newest page (50)', {}, null),
    requestLogQuery(`request log, page at row ${Math.floor(orgRows / 2).toLocaleString('en')} (cursor)`, {}, middleRow),
    requestLogQuery(`request log, oldest page, row ${(orgRows - 60).toLocaleString('en')} (cursor)`, {}, oldestPage),
    requestLogQuery(`request log, one user (${userRows.toLocaleString('en')} rows), newest page`, { userId: newest.userId }, null),
    requestLogQuery(`request log, one user, page at 90 % of their rows (cursor)`, { userId: newest.userId }, userDeep),
    requestLogQuery(`request log, one key (${keyRows.toLocaleString('en')} rows), newest page`, { apiKeyId: newest.apiKeyId }, null),
    requestLogQuery('request log, one model of 12, newest page', { model: 'bench/model-3' }, null),
    {
      name: `latency p50/p95 per model, the latest ${LATENCY_SAMPLE.toLocaleString('en')} answered requests of 30 days (percentile_cont)`,
      run: () => summarizeLatency(context, { orgId, from, to }),
      explain: latencyQuery(orgId, from, to, null),
    },
    {
      name: 'for comparison: the same percentiles over every row of the 30 days',
      run: () => database.prisma.$queryRaw(latencyQuery(orgId, from, to, null, 1_000_000_000)),
      explain: latencyQuery(orgId, from, to, null, 1_000_000_000),
    },
    { name: 'balance', run: () => getBalance(context, { orgId }), explain: Prisma.sql`SELECT "balance_micros" FROM "organizations" WHERE "id" = ${orgId}` },
    { name: 'ledger, newest page (50)', run: () => listLedgerEntries(context, { orgId }), explain: ledgerSql(null, null) },
    {
      name: 'ledger, page in the middle (cursor)',
      run: () => listLedgerEntries(context, { orgId, cursor: String(middle.id) }),
      explain: ledgerSql(null, middle.id),
    },
    { name: 'ledger, kind = grant (1 row among debits)', run: () => listLedgerEntries(context, { orgId, kind: 'grant' }), explain: ledgerSql('grant', null) },
    usageQuery([]),
    usageQuery(['day']),
    usageQuery(['model']),
    usageQuery(['provider']),
    usageQuery(['user']),
    usageQuery(['key']),
    usageQuery(['day', 'model']),
    {
      name: 'ledger, newest page (50), smallest org',
      run: () => listLedgerEntries(context, { orgId: seeded.smallestOrgId }),
      explain: ledgerSql(null, null, seeded.smallestOrgId),
    },
    usageQuery(['model'], seeded.smallestOrgId),
    {
      name: 'for comparison: the same 30 days by model from raw rows only',
      run: () => database.prisma.$queryRaw`
        SELECT "requested_model", count(*), sum("cost_micros") FROM "usage_records"
        WHERE "org_id" = ${orgId} AND "started_at" >= ${from.toISOString()}::timestamptz AND "started_at" < ${to.toISOString()}::timestamptz GROUP BY 1`,
      explain: Prisma.sql`
        SELECT "requested_model", count(*), sum("cost_micros") FROM "usage_records"
        WHERE "org_id" = ${orgId} AND "started_at" >= ${from.toISOString()}::timestamptz AND "started_at" < ${to.toISOString()}::timestamptz GROUP BY 1`,
    },
  ];

  const loadAtStart = loadavg()[0]!;
  const results: { name: string; median: number; min: number; max: number; scans: string[]; plan: string[] }[] = [];
  for (const query of queries) {
    await query.run();
    const samples: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      await query.run();
      samples.push(performance.now() - started);
    }
    const plan = (await database.prisma.$queryRaw<{ 'QUERY PLAN': string }[]>(Prisma.sql`EXPLAIN (ANALYZE, BUFFERS) ${query.explain}`)).map(
      (row) => row['QUERY PLAN'],
    );
    results.push({ name: query.name, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), scans: scansOf(plan), plan });
    process.stdout.write(`${query.name}: median ${median(samples).toFixed(2)} ms\n`);
  }

  const format = (ms: number) => ms.toFixed(2);
  const report = [
    `# Billing and request log queries on ${Number(count.usage).toLocaleString('en')} usage rows`,
    '',
    `Produced by \`npm run bench:billing\` (scripts/bench-billing-queries.ts) on ${new Date().toISOString()}: PostgreSQL ${count.version},`,
    `${Number(count.usage).toLocaleString('en')} usage rows over 90 days (${Number(count.daily).toLocaleString('en')} usage_daily rows,`,
    `${Number(count.ledger).toLocaleString('en')} ledger entries) for 5 orgs × 25 users × 2 keys, 12 models, 4 providers; seeded in ${seedSeconds.toFixed(1)} s.`,
    'The request log rows are pages of 50 through listRequests (labels included); their plan is of the statement Prisma sends, written out.',
    `Queries are for the busiest org (${orgRows.toLocaleString('en')} usage rows) unless marked "smallest org" (${smallOrgRows.toLocaleString('en')} rows),`,
    'through the service functions the APIs call',
    `(Prisma included), one warm-up then ${runs} timed runs. The usage range is [${from.toISOString()}, ${to.toISOString()}):`,
    'whole days come from usage_daily, the two partial days from usage_records.',
    `Machine: ${cpus().length} CPUs, 1-minute load average ${loadAtStart.toFixed(1)} when timing began (other jobs share it, so`,
    'wall times include waiting for a CPU; the plans\' "Execution Time" is the server\'s own share).',
    '',
    '| query | median ms | min ms | max ms | server ms (EXPLAIN ANALYZE) | scans in the plan |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map(
      (result) =>
        `| ${result.name} | ${format(result.median)} | ${format(result.min)} | ${format(result.max)} | ${executionMs(result.plan)} | ${result.scans.join('; ')} |`,
    ),
    '',
    '## Plans (EXPLAIN ANALYZE, BUFFERS)',
    '',
    ...results.flatMap((result) => [`### ${result.name}`, '', '```', ...result.plan, '```', '']),
  ].join('\n');
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, report);
  process.stdout.write(`wrote ${values.out}\n`);
} finally {
  await database.close();
  if (values.keep) process.stdout.write(`kept ${databaseUrl.toString()}\n`);
  else await onServer(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
}
