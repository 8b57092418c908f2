/**
 * The one HTTP client of the tests: it keeps its cookies like a browser (one client is one shopper), never
 * throws (no answer is status 0 with the error), and gives up after `timeoutMs` so a hung server fails a test
 * instead of stalling it. Also the one way to sign in through Auth.js.
 */

/** A cookie jar fed with Set-Cookie headers; the bench's lean client keeps one per shopper too. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(setCookies: readonly string[]): void {
    for (const cookie of setCookies) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header to send, or undefined when the jar is empty. */
  header(): string | undefined {
    return this.cookies.size > 0 ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") : undefined;
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  names(): string[] {
    return [...this.cookies.keys()];
  }
}

export interface Answer<T = any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- answers of many shapes
  /** 0 when no HTTP answer came (connection refused, reset, or the timeout). */
  status: number;
  body: T;
  text: string;
  headers: Headers;
  error?: string;
  ms: number;
}

export class HttpClient {
  private readonly jar = new CookieJar();

  constructor(
    /** Where the app answers; a test that restarts the app points the same client (cookies) at the new one. */
    public baseUrl: string,
    private readonly timeoutMs = 30_000,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  /** JSON in (when `json` is given) and JSON or text out. */
  request<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes vary per test
    method: string,
    urlPath: string,
    options: { json?: unknown; body?: string | FormData | Blob; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    if (options.json === undefined) return this.sendRaw<T>(method, urlPath, options.body, options.headers);
    return this.sendRaw<T>(method, urlPath, JSON.stringify(options.json), {
      "content-type": "application/json",
      ...options.headers,
    });
  }

  send<T = any>(method: string, urlPath: string, json?: unknown, headers: Record<string, string> = {}) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>(method, urlPath, { json, headers });
  }

  get<T = any>(urlPath: string, headers?: Record<string, string>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>("GET", urlPath, { headers });
  }

  post<T = any>(urlPath: string, json?: unknown, headers?: Record<string, string>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>("POST", urlPath, { json: json ?? {}, headers });
  }

  put<T = any>(urlPath: string, json?: unknown, headers?: Record<string, string>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>("PUT", urlPath, { json: json ?? {}, headers });
  }

  /** Any body as is (a string, FormData, a Blob of bytes), with exactly the headers given plus the cookies. */
  async sendRaw<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any
    method: string,
    urlPath: string,
    body?: string | FormData | Blob,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const all: Record<string, string> = { ...this.extraHeaders, ...headers };
    const cookie = this.jar.header();
    if (cookie) all.cookie = cookie;
    const started = performance.now();
    try {
      const response = await fetch(`${this.baseUrl}${urlPath}`, {
        method,
        headers: all,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      this.jar.take(response.headers.getSetCookie());
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed as T, text, headers: response.headers, ms: performance.now() - started };
    } catch (error) {
      return {
        status: 0,
        body: null as T,
        text: "",
        headers: new Headers(),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        ms: performance.now() - started,
      };
    }
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  setCookie(name: string, value: string): void {
    this.jar.set(name, value);
  }

  cookieNames(): string[] {
    return this.jar.names();
  }
}

/** Form posts (Auth.js endpoints and plain HTML forms), with the client's cookies. */
export function postForm(
  client: HttpClient,
  urlPath: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return client.sendRaw("POST", urlPath, new URLSearchParams(fields).toString(), {
    "content-type": "application/x-www-form-urlencoded",
    ...headers,
  });
}

/**
 * Signs in the way a browser's form does: Auth.js's csrf token, then the credentials callback. Answers the
 * callback's answer (302 either way; a refusal's location names the error); the client keeps the session cookie.
 * `headers` go with both requests (e.g. an X-Forwarded-For address).
 */
export async function signIn(
  client: HttpClient,
  account: { email: string | null; password: string },
  headers: Record<string, string> = {},
  callbackUrl = "/",
): Promise<Answer> {
  const csrf = await client.get<{ csrfToken: string }>("/api/auth/csrf", headers);
  if (csrf.status !== 200) throw new Error(`GET /api/auth/csrf answered ${csrf.status}`);
  const fields = { csrfToken: csrf.body.csrfToken, email: account.email ?? "", password: account.password, callbackUrl };
  return postForm(client, "/api/auth/callback/credentials", fields, headers);
}

/** The Auth.js session cookie (its name has a __Secure- prefix over HTTPS). */
export const sessionCookieOf = (client: HttpClient) =>
  client.cookie("authjs.session-token") ?? client.cookie("__Secure-authjs.session-token");

/** A new client signed in as this account; fails the test when the sign-in is refused. */
export async function signedInClient(baseUrl: string, account: { email: string | null; password: string }): Promise<HttpClient> {
  const client = new HttpClient(baseUrl);
  const answer = await signIn(client, account, {}, `${baseUrl}/`);
  const location = answer.headers.get("location") ?? "";
  if (answer.status !== 302 || location.includes("error") || !sessionCookieOf(client)) {
    throw new Error(`sign-in of ${account.email} refused: ${answer.status} ${location}`);
  }
  return client;
}
