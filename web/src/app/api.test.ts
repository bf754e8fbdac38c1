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

describe('buildQuery', () => {
  it('skips empty values and encodes the rest', () => {
    expect(buildQuery({})).toBe('');
    expect(buildQuery({ a: '', b: null, c: undefined })).toBe('');
    expect(buildQuery({ q: 'Әлия Қ', limit: 50, before_id: null })).toBe(
      '?q=%D3%98%D0%BB%D0%B8%D1%8F+%D2%9A&limit=50',
    );
  });
});
