// Passwords an administrator hands to a new user: 16 characters from an alphabet without the
// look-alikes (0/O, 1/l/I), drawn with the browser's CSPRNG. The policy asks for 12 or more.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
export const GENERATED_PASSWORD_LENGTH = 16;

export function generatePassword(length = GENERATED_PASSWORD_LENGTH): string {
  const limit = 256 - (256 % ALPHABET.length); // rejection sampling keeps every character equally likely
  const out: string[] = [];
  const buffer = new Uint8Array(length * 2);
  while (out.length < length) {
    globalThis.crypto.getRandomValues(buffer);
    for (const byte of buffer) {
      if (byte < limit && out.length < length) out.push(ALPHABET[byte % ALPHABET.length] as string);
    }
  }
  return out.join('');
}
