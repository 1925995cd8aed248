// The control plane's GET /metrics: served only with METRICS_TOKEN and only to a scrape bearing it; it
// counts GraphQL and tRPC operations by name and outcome, and shows the snapshot's version and compiles,
// the database engine and, on PostgreSQL, its connection pool.
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../test/support/capture-log.ts';
import { useControlPlaneOnPglite } from '../../test/support/control-plane-on-pglite.ts';
import { testEngines } from '../../test/support/test-database.ts';

describe.each(testEngines)('control plane metrics (%s)', (engine) => {
  const log = captureLogger('info');
  const controlPlane = useControlPlaneOnPglite({ metricsToken: 'scrape-secret', logger: log.logger }, engine);

  it('answers a scrape with the token only, counting operations by name and outcome, and logs mutations with their actor', async () => {
    const graphql = (authorization: string, query: string) =>
      fetch(`${controlPlane.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify({ query }) });
    expect((await graphql(`Bearer ${controlPlane.adminToken}`, '{ organizations { id } }')).status).toBe(200);
    await graphql('Bearer wrong', '{ organizations { id } }');
    const created = await graphql(`Bearer ${controlPlane.adminToken}`, 'mutation { createOrganization(name: "Metrics Org") { id } }');
    expect(created.status).toBe(200);

    expect((await fetch(`${controlPlane.url}/metrics`)).status).toBe(401);
    const scrape = await fetch(`${controlPlane.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toMatch(/^control_plane_operations_total\{face="graphql",operation="organizations",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^control_plane_operations_total\{face="graphql",operation="organizations",outcome="error"\} 1$/m);
    expect(text).toMatch(/^control_plane_operations_total\{face="graphql",operation="createOrganization",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^control_plane_snapshot_version [1-9]\d*$/m);
    expect(text).toMatch(/^control_plane_snapshot_compile_seconds_count\{kind="whole"\} [1-9]\d*$/m);
    expect(text).toMatch(/^control_plane_snapshot_bytes [1-9]\d*$/m);
    expect(text).toMatch(/^control_plane_snapshot_subscribers 0$/m);
    expect(text).toContain(`control_plane_database_info{engine="${engine}"} 1`);
    if (engine === 'postgresql') {
      // The queries above opened connections, and the pool holds them: idle between operations, busy while
      // a background task (the snapshot publish the mutation set off) still runs one.
      const connections = (state: string) => Number(new RegExp(`^control_plane_database_pool_connections\\{state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
      expect(connections('idle') + connections('busy')).toBeGreaterThan(0);
      expect(text).toMatch(/^control_plane_database_pool_waiting 0$/m);
      expect(text).toMatch(/^control_plane_database_pool_max_connections 10$/m);
    } else expect(text).not.toContain('control_plane_database_pool');

    const mutation = log.records.find((record) => record.msg === 'operation' && record.operation === 'createOrganization');
    expect(mutation).toMatchObject({ face: 'graphql', type: 'mutation', outcome: 'ok', actor: { kind: 'user', credential: 'admin-token' } });
    expect(log.raw.join('')).not.toContain(controlPlane.adminToken);
  });
});
