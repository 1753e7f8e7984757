/**
 * HTTP client of the weft admin API for the CLI.
 *
 * Base URL and token come from flags, else `WEFT_ADMIN_URL` / `WEFT_ADMIN_TOKEN`, else
 * http://127.0.0.1:18001 without a token. Every failure becomes an `AdminClientError` whose
 * message says what to do; callers print it and exit 1.
 */

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:18001';

export interface AdminClientOptions {
  readonly adminUrl?: string;
  readonly adminToken?: string;
}

export class AdminClientError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    /** The API's stable error code (`WEFT_ADMIN_...`), when it sent one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'AdminClientError';
  }
}

/** Flags win over the environment; `env` is injected for tests. */
export function resolveAdminOptions(flags: AdminClientOptions, env: NodeJS.ProcessEnv = process.env): { url: string; token?: string } {
  const url = (flags.adminUrl ?? env.WEFT_ADMIN_URL ?? DEFAULT_ADMIN_URL).replace(/\/+$/, '');
  const token = flags.adminToken ?? env.WEFT_ADMIN_TOKEN;
  return token ? { url, token } : { url };
}

export class AdminClient {
  private readonly url: string;
  private readonly token?: string;

  constructor(options: AdminClientOptions = {}, env: NodeJS.ProcessEnv = process.env, private readonly timeoutMs = 10_000) {
    const resolved = resolveAdminOptions(options, env);
    this.url = resolved.url;
    if (resolved.token) this.token = resolved.token;
  }

  /** GETs a JSON document; rejects with `AdminClientError`. */
  get<T>(path: string): Promise<T> {
    return this.request<T>(path);
  }

  /** POSTs a JSON body and returns the JSON answer; rejects with `AdminClientError`. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { ...this.headers(), 'content-type': 'application/json' } });
  }

  private async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.url + path, { headers: this.headers(), ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch {
      throw new AdminClientError(`cannot reach weft admin at ${this.url}: is \`weft serve\` running? set --admin-url or WEFT_ADMIN_URL`);
    }
    const body = await res.text();
    if (!res.ok) throw this.failure(res.status, body);
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new AdminClientError(`weft admin at ${this.url} answered ${path} with something that is not JSON; is --admin-url pointing at weft?`, res.status);
    }
  }

  private headers(): Record<string, string> {
    return this.token ? { accept: 'application/json', authorization: `Bearer ${this.token}` } : { accept: 'application/json' };
  }

  private failure(status: number, body: string): AdminClientError {
    let code: string | undefined;
    let message = body.slice(0, 200);
    try {
      const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
      code = parsed.error?.code;
      message = parsed.error?.message ?? message;
    } catch {
      // Not the admin API's error shape; show the start of the body.
    }
    if (status === 401) {
      return new AdminClientError(`weft admin at ${this.url} needs a token: set --admin-token or WEFT_ADMIN_TOKEN (${message})`, status, code);
    }
    return new AdminClientError(message, status, code);
  }
}
