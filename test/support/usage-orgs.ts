// The orgs the usage queries' tests ingest events for: org A with two members, each with an API key row, and
// org B, whose usage A's readers must never see; and the seeded simulator provider's id.
import type { TestApp } from './create-test-app.ts';

/** `name` names the orgs (`<name> A`, `<name> B`); the members are one@ and two@ `domain`. */
export async function createUsageOrgs(testApp: TestApp, name: string, domain: string) {
  const prisma = testApp.app.services.prisma;
  const orgA = await prisma.organization.create({ data: { name: `${name} A` } });
  const orgB = await prisma.organization.create({ data: { name: `${name} B` } });
  const one = await testApp.createMember(`one@${domain}`, orgA.id, 'member');
  const two = await testApp.createMember(`two@${domain}`, orgA.id, 'member');
  return {
    orgA: orgA.id,
    orgB: orgB.id,
    user1: one.userId,
    user2: two.userId,
    key1: (await testApp.createApiKeyRow(orgA.id, one.userId, 'key-one')).id,
    key2: (await testApp.createApiKeyRow(orgA.id, two.userId, 'key-two')).id,
    simulator: (await prisma.provider.findUniqueOrThrow({ where: { slug: 'simulator' } })).id,
    /** Admin tokens of the two members, to call as them. */
    tokens: { user1: one.token, user2: two.token },
  };
}
