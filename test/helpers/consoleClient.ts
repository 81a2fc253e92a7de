/** Captured HTTP exchange, kept so leak tests can search every byte the appliance answered. */
export interface Captured {
  method: string;
  path: string;
  status: number;
  headers: string;
  body: string;
}

export interface Page {
  status: number;
  body: string;
  headers: Headers;
  location: string | null;
}

const setupCodes = new Map<string, string>();

/** startTestAppliance registers the setup code its appliance printed, so signIn can pass first-run setup. */
export function rememberSetupCode(baseUrl: string, code: string): void {
  setupCodes.set(baseUrl, code);
}

/**
 * A browser-like client for the console over real HTTP: keeps the session cookie, sends Origin,
 * and fills `_csrf` from the last page it saw, the way a form would.
 */
export class ConsoleClient {
  cookies = new Map<string, string>();
  csrf: string | undefined;
  captured: Captured[] = [];

  constructor(readonly baseUrl: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Page> {
    const res = await fetch(this.baseUrl + path, {
      method,
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), origin: this.baseUrl, ...init.headers },
      body: init.body,
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (value === '' || /max-age=0/i.test(set)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const body = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    this.captured.push({ method, path, status: res.status, headers: JSON.stringify([...res.headers]), body });
    return { status: res.status, body, headers: res.headers, location: res.headers.get('location') };
  }

  get(path: string, headers?: Record<string, string>): Promise<Page> {
    return this.request('GET', path, { headers });
  }

  postForm(path: string, fields: Record<string, string> = {}, headers?: Record<string, string>): Promise<Page> {
    const form = new URLSearchParams({ ...(this.csrf ? { _csrf: this.csrf } : {}), ...fields });
    return this.request('POST', path, {
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  /**
   * Posts a form the way a browser does: a 303 (post/redirect/get) is followed with a GET, whose page
   * is answered; `redirectedTo` says where the form led.
   */
  async submit(path: string, fields: Record<string, string> = {}, headers?: Record<string, string>): Promise<Page & { redirectedTo: string | null }> {
    const posted = await this.postForm(path, fields, headers);
    if (posted.status !== 303 || !posted.location) return { ...posted, redirectedTo: null };
    return { ...(await this.get(posted.location, headers)), redirectedTo: posted.location };
  }

  /** First-run setup when no password exists yet, else sign-in. */
  async signIn(password: string): Promise<void> {
    const start = await this.get('/login');
    const path = start.location === '/setup' ? '/setup' : '/login';
    const res = await this.postForm(path, path === '/setup' ? { setupCode: setupCodes.get(this.baseUrl) ?? '', password, confirm: password } : { password });
    if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${res.body.slice(0, 200)}`);
    await this.get('/channels');
  }

  /**
   * Signs in through the sign-in page a redirect led to, as a person does: the form's hidden return
   * path goes back with the password. Answers that return path and where sign-in led.
   */
  async signInThrough(loginHref: string, password: string): Promise<{ next: string | undefined; location: string | null }> {
    const login = await this.get(loginHref);
    if (login.status !== 200) throw new Error(`the sign-in page at ${loginHref} answered ${login.status}`);
    const raw = /<input type="hidden" name="next" value="([^"]*)"/.exec(login.body)?.[1];
    const next = raw === undefined ? undefined : textOf(raw);
    const res = await this.postForm('/login', { password, ...(next !== undefined ? { next } : {}) });
    if (res.status !== 303) throw new Error(`sign-in failed: ${res.status} ${res.body.slice(0, 200)}`);
    return { next, location: res.location };
  }
}

/** Visible text of an HTML fragment, for assertions about what a person reads. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * What a screen reader reads as a field's description: the text of each element the field's
 * aria-describedby names (`[missing #id]` for an id not on the page), joined by " | ".
 */
export function descriptionOf(html: string, fieldId: string): string {
  const tag = new RegExp(`<(?:input|select|textarea)\\b[^>]*\\bid="${fieldId}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no field #${fieldId} on the page`);
  const ids = (/\baria-describedby="([^"]*)"/.exec(tag)?.[1] ?? '').split(/\s+/).filter(Boolean);
  return ids
    .map((id) => {
      const el = new RegExp(`<(\\w+)\\b[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
      return el ? textOf(el[2]!) : `[missing #${id}]`;
    })
    .join(' | ');
}
