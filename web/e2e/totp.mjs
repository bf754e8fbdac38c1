// TOTP (RFC 6238) over HOTP (RFC 4226) with node:crypto, for the browser tests (computing the
// code a user's authenticator app would show) and for the mock server (checking it).
import { createHmac, randomBytes } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 section 6 base32, without padding, case- and space-insensitive. */
export function base32Decode(text) {
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const char of clean) {
    const index = BASE32_ALPHABET.indexOf(char);
    if (index === -1) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

export function base32Encode(buffer) {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buffer) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

export function newSecret() {
  return base32Encode(randomBytes(20));
}

/** RFC 4226 section 5.3: HOTP value for `counter`. */
export function hotp(secret, counter, { digits = 6, algorithm = 'sha1' } = {}) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const hmac = createHmac(algorithm, base32Decode(secret)).update(message).digest();
  const offset = hmac[hmac.length - 1] & 0x0f; // dynamic truncation
  const binary =
    ((hmac[offset] & 0x7f) << 24) |
    ((hmac[offset + 1] & 0xff) << 16) |
    ((hmac[offset + 2] & 0xff) << 8) |
    (hmac[offset + 3] & 0xff);
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** RFC 6238 section 4: the time step of `timeMs`. */
export function timeStep(timeMs = Date.now(), period = 30) {
  return Math.floor(timeMs / 1000 / period);
}

export function totp(
  secret,
  { timeMs = Date.now(), period = 30, digits = 6, algorithm = 'sha1' } = {},
) {
  return hotp(secret, timeStep(timeMs, period), { digits, algorithm });
}

/** Parameters of an otpauth://totp/...?secret=...&digits=...&period=...&algorithm=... URI. */
export function parseOtpauthUri(uri) {
  const url = new URL(uri);
  const params = url.searchParams;
  return {
    secret: params.get('secret') ?? '',
    digits: Number(params.get('digits') ?? 6),
    period: Number(params.get('period') ?? 30),
    algorithm: (params.get('algorithm') ?? 'SHA1').toLowerCase().replace('-', ''),
  };
}
