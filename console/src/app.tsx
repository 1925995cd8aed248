// The console's frame: who is signed in (the sign-in page when nobody is), which organization is open, the
// navigation and the page the address's hash names (#/keys, …), so every page has a link of its own.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ErrorNote, Loading } from './components/status.tsx';
import { pages, visiblePages, type PageId } from './pages/index.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { currentSession, signOut, type SignedInUser } from './session.ts';
import { trpc } from './trpc.ts';

export function App() {
  const session = useQuery({ queryKey: ['session'], queryFn: currentSession, staleTime: Infinity });
  const queryClient = useQueryClient();
  if (session.isPending) return <Loading what="the session" />;
  if (session.error) return <ErrorNote error={session.error} />;
  if (!session.data) return <SignInPage onSignedIn={(user) => queryClient.setQueryData(['session'], user)} />;
  return (
    <Shell
      user={session.data}
      onSignOut={async () => {
        await signOut();
        queryClient.clear();
        queryClient.setQueryData(['session'], null);
      }}
    />
  );
}

function useHashPage(): PageId {
  const read = () => {
    const id = window.location.hash.replace(/^#\/?/, '');
    return (id in pages ? id : 'overview') as PageId;
  };
  const [page, setPage] = useState(read);
  useEffect(() => {
    const follow = () => setPage(read());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return page;
}

const ORG_STORAGE_KEY = 'gateway-console.org';

function Shell({ user, onSignOut }: { user: SignedInUser; onSignOut: () => Promise<void> }) {
  const account = useQuery({ queryKey: ['account.me'], queryFn: () => trpc.account.me.query() });
  const [chosenOrgId, setChosenOrgId] = useState(() => localStorage.getItem(ORG_STORAGE_KEY));
  const page = useHashPage();
  const memberships = account.data?.memberships ?? [];
  const membership = memberships.find((candidate) => candidate.orgId === chosenOrgId) ?? memberships[0] ?? null;
  const shown = visiblePages(membership, user.isPlatformAdmin);
  const current = shown.includes(page) ? page : 'overview';
  const Page = pages[current].component;

  useEffect(() => {
    document.title = `${pages[current].title} · AI Gateway console`;
  }, [current]);

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <strong className="brand">AI Gateway</strong>
        {memberships.length > 0 ? (
          <label className="org-picker">
            <span>Organization</span>
            <select
              value={membership?.orgId ?? ''}
              onChange={(event) => {
                localStorage.setItem(ORG_STORAGE_KEY, event.target.value);
                setChosenOrgId(event.target.value);
              }}
            >
              {memberships.map((candidate) => (
                <option key={candidate.orgId} value={candidate.orgId}>
                  {candidate.orgName} ({candidate.role})
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <span className="who">{user.email}</span>
        <button type="button" className="secondary" onClick={() => void onSignOut()}>
          Sign out
        </button>
      </header>
      <nav aria-label="Pages" className="nav">
        <ul>
          {shown.map((id) => (
            <li key={id}>
              <a href={`#/${id}`} aria-current={id === current ? 'page' : undefined}>
                {pages[id].title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {account.isPending ? <Loading what="your organizations" /> : null}
        <ErrorNote error={account.error} />
        {account.data ? <Page key={membership?.orgId ?? 'none'} user={user} org={membership} /> : null}
      </main>
    </div>
  );
}
