// The console's pages, in navigation order, and who sees each. The role checks read the control plane's
// own permission table, so the navigation never offers a page whose calls the server would refuse.
import type { ComponentType } from 'react';
import type { OrgAction } from '../../../control-plane/src/services/permissions.ts';
import { AlertsPage } from './alerts.tsx';
import { AuditPage } from './audit.tsx';
import { BillingPage } from './billing.tsx';
import { ByokPage } from './byok.tsx';
import { CatalogPage } from './catalog.tsx';
import { KeysPage } from './keys.tsx';
import { MembersPage } from './members.tsx';
import { OverviewPage } from './overview.tsx';
import { PoliciesPage } from './policies.tsx';
import { RequestsPage } from './requests.tsx';
import { memberMay, type Membership, type PageProps } from './page-props.ts';

interface PageEntry {
  title: string;
  component: ComponentType<PageProps>;
  /** The org action the page needs; 'platform-admin' for platform pages; null when any member may open it. */
  needs: OrgAction | 'platform-admin' | null;
}

export const pages = {
  overview: { title: 'Overview', component: OverviewPage, needs: null },
  requests: { title: 'Requests', component: RequestsPage, needs: 'usage.readOwn' },
  keys: { title: 'API keys', component: KeysPage, needs: 'apiKey.read' },
  members: { title: 'Members', component: MembersPage, needs: 'member.read' },
  policies: { title: 'Policies', component: PoliciesPage, needs: 'policy.read' },
  byok: { title: 'Provider keys', component: ByokPage, needs: 'byok.read' },
  billing: { title: 'Billing', component: BillingPage, needs: 'billing.read' },
  alerts: { title: 'Budget alerts', component: AlertsPage, needs: 'policy.update' },
  catalog: { title: 'Catalog', component: CatalogPage, needs: 'platform-admin' },
  audit: { title: 'Audit log', component: AuditPage, needs: 'audit.read' },
} satisfies Record<string, PageEntry>;

export type PageId = keyof typeof pages;

export function visiblePages(org: Membership | null, isPlatformAdmin: boolean): PageId[] {
  return (Object.keys(pages) as PageId[]).filter((id) => {
    const needs = (pages[id] as PageEntry).needs;
    if (needs === 'platform-admin') return isPlatformAdmin;
    return needs === null || memberMay(org, needs);
  });
}
