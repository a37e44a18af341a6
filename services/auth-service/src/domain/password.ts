import { InvalidPassword } from './errors.ts';
import { codePointCount } from './text.ts';

export const minPasswordLength = 12;
// Bounds the hashing work an attacker can ask for.
export const maxPasswordLength = 128;

/** Refuses a new password outside 12..128 Unicode code points (an emoji counts as one). */
export function checkNewPassword(password: string): void {
  const length = codePointCount(password);
  if (length < minPasswordLength || length > maxPasswordLength) {
    throw new InvalidPassword(
      `password must be ${minPasswordLength} to ${maxPasswordLength} characters, got ${length}`,
    );
  }
}
