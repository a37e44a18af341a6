import { InvalidEmail } from './errors.ts';
import { codePointCount } from './text.ts';

export const maxEmailLength = 254;

/**
 * The form an email is stored and compared in: lower-cased, so uniqueness is case-insensitive.
 * Whether it is a well-formed address is checked at the edge (protovalidate); here only what
 * would make it unusable as a key.
 */
export function normalizeEmail(email: string): string {
  const normalized = email.toLowerCase();
  if (normalized.length === 0) throw new InvalidEmail('email must not be empty');
  // PostgreSQL's text cannot hold U+0000: refused here, not as a failed query.
  if (normalized.includes('\0')) throw new InvalidEmail('email must not contain NUL characters');
  if (codePointCount(normalized) > maxEmailLength) {
    throw new InvalidEmail(`email must be at most ${maxEmailLength} characters`);
  }
  return normalized;
}
