// Identity providers for the single sign-on tests: a real one (the oidc-provider package, with its
// development login form), and a browser that walks the authorization code flow through it, keeping each
// site's cookies like a browser would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

export interface Person {
  email: string;
  emailVerified?: boolean;
  name?: string;
}

/** oidc-provider with one confidential client whose redirect URI is `redirectUri`; people sign in with their email as login. */
export async function startOidcProvider(redirectUri: string, people: Person[]): Promise<TestIdentityProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'gateway';
  const clientSecret = 'gateway-client-secret-for-tests';
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_post' }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    pkce: { required: () => true },
    cookies: { keys: ['test cookie key'] },
    async findAccount(_context, id) {
      const person = people.find((candidate) => candidate.email === id);
      if (!person) return undefined;
      return {
        accountId: id,
        claims: async () => ({ sub: `sub-${id}`, email: person.email, email_verified: person.emailVerified ?? true, name: person.name }),
      };
    },
    // Consent is not what these tests are about: every scope asked for is granted.
    async loadExistingGrant(context) {
      const grant = new context.oidc.provider.Grant({ clientId: context.oidc.client!.clientId, accountId: context.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A browser: cookies per origin, redirects followed by hand so each hop's cookies are kept. */
export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  setCookie(origin: string, name: string, value: string): void {
    this.jar(origin).set(name, value);
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jar(origin).get(name);
  }

  private jar(origin: string): Map<string, string> {
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const cookies = [...this.jar(target.origin)].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(target, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookies ? { cookie: cookies } : {}) },
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';', 1);
      const index = pair!.indexOf('=');
      const name = pair!.slice(0, index);
      const value = pair!.slice(index + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(header) || value === '') this.jar(target.origin).delete(name);
      else this.jar(target.origin).set(name, value);
    }
    return response;
  }

  /** Follows redirects until `stopAt` says so (or a non-redirect answer), returning the last response and its URL. */
  async follow(url: string, stopAt: (url: URL) => boolean = () => false): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hop = 0; hop < 20; hop++) {
      if (stopAt(new URL(current))) return { response: new Response(null, { status: 204 }), url: current };
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, url: current };
      current = new URL(location, current).href;
    }
    throw new Error('too many redirects');
  }

  /** At oidc-provider's development login form: sign in as `login`, then keep following. */
  async signInAtProvider(interactionUrl: string, login: string, stopAt: (url: URL) => boolean): Promise<{ response: Response; url: string }> {
    const form = await this.request(interactionUrl);
    const html = await form.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form at ${interactionUrl}:\n${html.slice(0, 500)}`);
    const posted = await this.request(new URL(action, interactionUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login, password: 'anything' }).toString(),
    });
    const location = posted.headers.get('location');
    if (!location) throw new Error(`the login form answered ${posted.status}: ${await posted.text()}`);
    return this.follow(new URL(location, interactionUrl).href, stopAt);
  }
}
