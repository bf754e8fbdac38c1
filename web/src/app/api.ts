// The one HTTP client of the web application (docs/api.md).
//
// - Cookies travel with `credentials: 'same-origin'`; the server's session cookie is HttpOnly.
// - Every state-changing request (POST, PUT, PATCH, DELETE) carries `X-CSRF-Token` once the
//   session's token is known.
// - Every failure becomes an ApiError with the server's {code, message, field, reason}.
// - A 401 that means "your session is gone" is reported to one listener (the session context),
//   which sends the user back to sign-in.
// - Files are uploaded with upload(): the raw file as the body, with progress and cancel.

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  reason?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly reason: string | undefined;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.field = body.field;
    this.reason = body.reason;
  }
}

// Codes for answers that carry no JSON error body (a proxy's 502, say). Same table as docs/api.md,
// plus 507, the evidence store's "disk full".
const CODE_BY_STATUS: Record<number, string> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  408: 'deadline_exceeded',
  409: 'failed_precondition',
  413: 'payload_too_large',
  429: 'resource_exhausted',
  501: 'unimplemented',
  503: 'unavailable',
  507: 'resource_exhausted',
};

/** Turns the text of a failed answer into an ApiError, whatever the text is. */
export function parseError(status: number, text: string): ApiError {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed) {
      const error = (parsed as { error: unknown }).error;
      if (error !== null && typeof error === 'object') {
        const record = error as Record<string, unknown>;
        const body: ApiErrorBody = {
          code: typeof record.code === 'string' ? record.code : codeForStatus(status),
          message: typeof record.message === 'string' ? record.message : '',
        };
        if (typeof record.field === 'string' && record.field !== '') body.field = record.field;
        if (typeof record.reason === 'string' && record.reason !== '') body.reason = record.reason;
        return new ApiError(status, body);
      }
    }
  } catch {
    // Not JSON: fall through to the status-derived error.
  }
  return new ApiError(status, { code: codeForStatus(status), message: '' });
}

function codeForStatus(status: number): string {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'unknown');
}

/** True when a 401 means the session is over (not a wrong password or code). */
export function isSessionLoss(error: ApiError): boolean {
  if (error.status !== 401) return false;
  return (
    error.reason === undefined ||
    error.reason === 'session_expired' ||
    error.reason === 'unauthenticated'
  );
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  /** Public routes (banner, login, totp): a 401 there is an answer, not a lost session. */
  public?: boolean;
  signal?: AbortSignal;
}

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Makes the XMLHttpRequest of an upload; tests pass a fake. */
export type XhrFactory = () => XMLHttpRequest;

export interface UploadProgress {
  /** Bytes of the body sent so far. */
  loaded: number;
  /** Bytes in the whole body. */
  total: number;
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting it aborts the upload (xhr.abort()); the promise then rejects with an AbortError. */
  signal?: AbortSignal;
}

export class ApiClient {
  private csrfToken: string | null = null;
  private sessionLossListener: ((error: ApiError) => void) | null = null;
  private activityListener: (() => void) | null = null;
  private readonly fetchFunction: FetchFunction;
  private readonly xhrFactory: XhrFactory;

  constructor(fetchFunction?: FetchFunction, xhrFactory?: XhrFactory) {
    // Bound late so that tests can replace globalThis.fetch and browsers get `window` as `this`.
    this.fetchFunction = fetchFunction ?? ((input, init) => globalThis.fetch(input, init));
    this.xhrFactory = xhrFactory ?? (() => new XMLHttpRequest());
  }

  setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  /** The listener hears every 401 that means the session is gone. */
  onSessionLoss(listener: ((error: ApiError) => void) | null): void {
    this.sessionLossListener = listener;
  }

  /** The listener hears every answer from the server, so idle time can be measured. */
  onActivity(listener: (() => void) | null): void {
    this.activityListener = listener;
  }

  async request<T>(
    method: HttpMethod,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (STATE_CHANGING.has(method) && this.csrfToken !== null) {
      headers['X-CSRF-Token'] = this.csrfToken;
    }
    const init: RequestInit = {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (options.signal !== undefined) init.signal = options.signal;

    let response: Response;
    try {
      response = await this.fetchFunction(path, init);
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      throw new ApiError(0, { code: 'unavailable', message: '', reason: 'network' });
    }
    this.activityListener?.();

    const text = await response.text();
    if (!response.ok) throw this.failure(response.status, text, options);
    if (response.status === 204 || text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, { code: 'internal', message: '', reason: 'bad_json' });
    }
  }

  /** The answer of a failed request: its ApiError, told to the session listener when it is a loss. */
  private failure(status: number, text: string, options: RequestOptions): ApiError {
    const error = parseError(status, text);
    if (options.public !== true && isSessionLoss(error)) this.sessionLossListener?.(error);
    return error;
  }

  /**
   * POSTs `body` as the raw request body (application/octet-stream) and answers the JSON reply.
   * XMLHttpRequest, because fetch cannot report upload progress; the browser streams the Blob
   * (a File from an <input type="file">) from disk, so the app never holds it in memory.
   */
  upload<T>(path: string, body: Blob, options: UploadOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const { signal, onProgress } = options;
      if (signal?.aborted === true) {
        reject(new DOMException('upload cancelled', 'AbortError'));
        return;
      }
      const xhr = this.xhrFactory();
      const abort = () => xhr.abort();
      const settle = () => signal?.removeEventListener('abort', abort);
      xhr.open('POST', path);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      if (this.csrfToken !== null) xhr.setRequestHeader('X-CSRF-Token', this.csrfToken);
      xhr.upload.onprogress = (event: ProgressEvent) =>
        onProgress?.({
          loaded: event.loaded,
          total: event.lengthComputable ? event.total : body.size,
        });
      xhr.onabort = () => {
        settle();
        reject(new DOMException('upload cancelled', 'AbortError'));
      };
      xhr.onerror = () => {
        settle();
        reject(new ApiError(0, { code: 'unavailable', message: '', reason: 'network' }));
      };
      xhr.onload = () => {
        settle();
        this.activityListener?.();
        const text = xhr.responseText;
        if (xhr.status < 200 || xhr.status >= 300) {
          reject(this.failure(xhr.status, text, {}));
          return;
        }
        if (xhr.status === 204 || text === '') {
          resolve(undefined as T);
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch {
          reject(new ApiError(xhr.status, { code: 'internal', message: '', reason: 'bad_json' }));
        }
      };
      signal?.addEventListener('abort', abort);
      xhr.send(body);
    });
  }

  get<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T>(path: string, body?: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('POST', path, body ?? {}, options);
  }

  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PATCH', path, body, options);
  }

  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<T> {
    return this.request<T>('PUT', path, body, options);
  }

  delete<T>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('DELETE', path, undefined, options);
  }
}

/** `?a=1&b=x` from the entries that have a value; '' when none has. */
export function buildQuery(
  params: Record<string, string | number | boolean | null | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.append(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The application's client. */
export const api = new ApiClient();
