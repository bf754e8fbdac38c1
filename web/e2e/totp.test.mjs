// The tests' TOTP implementation against the RFC test vectors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base32Decode, base32Encode, hotp, parseOtpauthUri, totp } from './totp.mjs';

const SECRET = base32Encode(Buffer.from('12345678901234567890'));

test('base32 round-trips (RFC 4648)', () => {
  assert.equal(SECRET, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(
    base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq').toString(),
    '12345678901234567890',
  );
});

test('HOTP matches RFC 4226 appendix D', () => {
  const expected = [
    '755224',
    '287082',
    '359152',
    '969429',
    '338314',
    '254676',
    '287922',
    '162583',
    '399871',
    '520489',
  ];
  assert.deepEqual(
    expected.map((_, counter) => hotp(SECRET, counter)),
    expected,
  );
});

test('TOTP (SHA-1, 8 digits) matches RFC 6238 appendix B', () => {
  const vectors = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, code] of vectors)
    assert.equal(totp(SECRET, { timeMs: seconds * 1000, digits: 8 }), code);
});

test('otpauth URI parameters are read with their defaults', () => {
  assert.deepEqual(parseOtpauthUri('otpauth://totp/threathub:aliya?secret=ABC&issuer=threathub'), {
    secret: 'ABC',
    digits: 6,
    period: 30,
    algorithm: 'sha1',
  });
  assert.equal(
    parseOtpauthUri('otpauth://totp/x?secret=A&algorithm=SHA256&digits=8').algorithm,
    'sha256',
  );
});
