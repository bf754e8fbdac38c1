import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, buildQuery, isSessionLoss, parseError } from './api';
import type { FetchFunction } from './api';

function answer(status: number, body: unknown): Response {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return new Response(status === 204 ? null : text, { status });
}

function recordingFetch(response: () => Response) {
  const calls: { input: string; init: RequestInit }[] = [];
  const fetchFunction: FetchFunction = async (input, init) => {
    calls.push({ input, init });
    return response();
  };
  return { calls, fetchFunction };
}

describe('parseError', () => {
  it('reads the server error shape', () => {
    const error = parseError(
      400,
      '{"error":{"code":"invalid_argument","message":"password: at least 12 characters","field":"password","reason":"password_too_short"}}',
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(400);
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toBe('password: at least 12 characters');
    expect(error.field).toBe('password');
    expect(error.reason).toBe('password_too_short');
  });

  it('derives the code from the status when the body is not JSON', () => {
    expect(parseError(502, '<html>Bad gateway</html>').code).toBe('internal');
    expect(parseError(404, '').code).toBe('not_found');
    expect(parseError(403, '{"oops":1}').code).toBe('permission_denied');
  });
});

describe('isSessionLoss', () => {
  it('is a 401 without a sign-in reason', () => {
    expect(
      isSessionLoss(
        new ApiError(401, { code: 'unauthenticated', message: '', reason: 'session_expired' }),
      ),
    ).toBe(true);
    expect(isSessionLoss(new ApiError(401, { code: 'unauthenticated', message: '' }))).toBe(true);
    expect(
      isSessionLoss(
        new ApiError(401, { code: 'unauthenticated', message: '', reason: 'bad_credentials' }),
      ),
    ).toBe(false);
    expect(
      isSessionLoss(
        new ApiError(401, { code: 'unauthenticated', message: '', reason: 'bad_totp' }),
      ),
    ).toBe(false);
    expect(isSessionLoss(new ApiError(403, { code: 'permission_denied', message: '' }))).toBe(
      false,
    );
  });
});

describe('ApiClient', () => {
  it('sends cookies same-origin and the CSRF token only on state-changing requests', async () => {
    const { calls, fetchFunction } = recordingFetch(() => answer(200, { ok: true }));
    const client = new ApiClient(fetchFunction);
    client.setCsrfToken('token-1');
    await client.get('/api/v1/session');
    await client.post('/api/v1/users/1/unlock');
    await client.patch('/api/v1/me', { language: 'kk' });
    await client.put('/api/v1/x', {});
    await client.delete('/api/v1/x');
    const headers = calls.map((call) => call.init.headers as Record<string, string>);
    expect(calls.every((call) => call.init.credentials === 'same-origin')).toBe(true);
    expect(headers[0]?.['X-CSRF-Token']).toBeUndefined();
    expect(headers.slice(1).map((header) => header['X-CSRF-Token'])).toEqual([
      'token-1',
      'token-1',
      'token-1',
      'token-1',
    ]);
    expect(calls[1]?.init.body).toBe('{}');
    expect(calls[2]?.init.body).toBe('{"language":"kk"}');
    expect(headers[2]?.['Content-Type']).toBe('application/json');
  });

  it('returns undefined for 204 and the parsed body otherwise', async () => {
    const client = new ApiClient(async () => answer(204, undefined));
    await expect(client.post('/api/v1/auth/logout')).resolves.toBeUndefined();
    const json = new ApiClient(async () => answer(200, { regions: [] }));
    await expect(json.get('/api/v1/regions')).resolves.toEqual({ regions: [] });
  });

  it('throws ApiError and reports a lost session, except on public routes', async () => {
    const client = new ApiClient(async () =>
      answer(401, {
        error: { code: 'unauthenticated', message: 'session expired', reason: 'session_expired' },
      }),
    );
    const listener = vi.fn();
    client.onSessionLoss(listener);
    await expect(client.get('/api/v1/users')).rejects.toMatchObject({
      status: 401,
      reason: 'session_expired',
    });
    expect(listener).toHaveBeenCalledTimes(1);
    await expect(client.post('/api/v1/auth/login', {}, { public: true })).rejects.toBeInstanceOf(
      ApiError,
    );
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('does not treat a wrong password as a lost session', async () => {
    const client = new ApiClient(async () =>
      answer(401, { error: { code: 'unauthenticated', message: '', reason: 'bad_credentials' } }),
    );
    const listener = vi.fn();
    client.onSessionLoss(listener);
    await expect(client.post('/api/v1/me/password', {})).rejects.toMatchObject({
      reason: 'bad_credentials',
    });
    expect(listener).not.toHaveBeenCalled();
  });

  it('turns a network failure into code unavailable, reason network', async () => {
    const client = new ApiClient(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(client.get('/api/v1/session')).rejects.toMatchObject({
      code: 'unavailable',
      reason: 'network',
    });
  });

  it('tells the activity listener about every answer', async () => {
    const client = new ApiClient(async () => answer(200, {}));
    const activity = vi.fn();
    client.onActivity(activity);
    await client.get('/a');
    await client.get('/b');
    expect(activity).toHaveBeenCalledTimes(2);
  });
});

/** Enough of XMLHttpRequest for ApiClient.upload; the test plays the server. */
class FakeXhr {
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown = undefined;
  aborted = false;
  status = 0;
  responseText = '';
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true } as ProgressEvent);
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.onload?.();
  }
}

function uploadClient() {
  const made: FakeXhr[] = [];
  const client = new ApiClient(undefined, () => {
    const xhr = new FakeXhr();
    made.push(xhr);
    return xhr as unknown as XMLHttpRequest;
  });
  return { client, made };
}

describe('ApiClient.upload', () => {
  it('POSTs the Blob itself as octet-stream with the CSRF token and reports progress', async () => {
    const { client, made } = uploadClient();
    client.setCsrfToken('token-2');
    const file = new Blob([new Uint8Array(10)]);
    const seen: number[] = [];
    const pending = client.upload<{ id: number }>('/api/v1/cases/7/evidence?name=a', file, {
      onProgress: ({ loaded, total }) => seen.push(loaded / total),
    });
    const xhr = made[0] as FakeXhr;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/api/v1/cases/7/evidence?name=a');
    expect(xhr.headers['Content-Type']).toBe('application/octet-stream');
    expect(xhr.headers['X-CSRF-Token']).toBe('token-2');
    expect(xhr.body).toBe(file);
    xhr.progress(5, 10);
    xhr.progress(10, 10);
    xhr.answer(201, { id: 3 });
    await expect(pending).resolves.toEqual({ id: 3 });
    expect(seen).toEqual([0.5, 1]);
  });

  it('rejects with the server error and reports a lost session', async () => {
    const { client, made } = uploadClient();
    const listener = vi.fn();
    client.onSessionLoss(listener);
    const tooLarge = client.upload('/u', new Blob(['x']));
    made[0]?.answer(413, {
      error: { code: 'resource_exhausted', message: 'over the limit', reason: 'too_large' },
    });
    await expect(tooLarge).rejects.toMatchObject({ status: 413, reason: 'too_large' });
    const lost = client.upload('/u', new Blob(['x']));
    made[1]?.answer(401, { error: { code: 'unauthenticated', message: '' } });
    await expect(lost).rejects.toMatchObject({ status: 401 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('aborts when the signal is aborted, and reports network failures', async () => {
    const { client, made } = uploadClient();
    const controller = new AbortController();
    const cancelled = client.upload('/u', new Blob(['x']), { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    expect(made[0]?.aborted).toBe(true);
    const broken = client.upload('/u', new Blob(['x']));
    made[1]?.onerror?.();
    await expect(broken).rejects.toMatchObject({ code: 'unavailable', reason: 'network' });
  });
});

describe('buildQuery', () => {
  it('skips empty values and encodes the rest', () => {
    expect(buildQuery({})).toBe('');
    expect(buildQuery({ a: '', b: null, c: undefined })).toBe('');
    expect(buildQuery({ q: 'Әлия Қ', limit: 50, before_id: null })).toBe(
      '?q=%D3%98%D0%BB%D0%B8%D1%8F+%D2%9A&limit=50',
    );
  });
});
