import { InvalidCursor, InvalidPageLimit } from './errors.ts';

export const defaultPageLimit = 20;
export const maxPageLimit = 100;

/** The page size for a requested limit: 0 (not given) means the default, else 1 to 100. */
export function resolvePageLimit(requested: number): number {
  if (requested === 0) return defaultPageLimit;
  if (!Number.isInteger(requested) || requested < 1 || requested > maxPageLimit) throw new InvalidPageLimit(requested);
  return requested;
}

/** Where a page ended: the sort key (created_at, id) of its last note; the next page starts after it. */
export interface PagePosition {
  createdAt: Date;
  id: string;
}

/** Where a page ordered by relevance ended: the rank too, exactly as the database computed it (a float4). */
export interface RankedPosition extends PagePosition {
  rank: number;
}

const separator = ',';
// Four-digit years only: every such time fits a PostgreSQL timestamptz, so no cursor reaches the
// database as an out-of-range value.
const millisecondIsoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A non-negative number as JavaScript writes it (String(rank)): the shortest text that reads back
// as the same number, so a float4 rank goes through the cursor and back to the database unchanged.
const rankNumber = /^\d+(\.\d+)?(e[+-]\d+)?$/;

/**
 * The opaque cursor of a position: base64url of "<created_at as millisecond ISO time>,<id>", then
 * ",<fingerprint>" when the list's filter has one (filterFingerprint), so it serves that filter only,
 * then ",<rank>" for a position in an order by relevance.
 */
export function encodeCursor(position: PagePosition | RankedPosition, fingerprint = ''): string {
  const parts = [position.createdAt.toISOString(), position.id];
  if (fingerprint !== '') parts.push(fingerprint);
  if ('rank' in position) parts.push(String(position.rank));
  return Buffer.from(parts.join(separator), 'utf8').toString('base64url');
}

/** The position a cursor stands for; InvalidCursor for anything encodeCursor did not produce with this fingerprint. */
export function decodeCursor(cursor: string, fingerprint = ''): PagePosition {
  const [time = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(separator);
  return checkedPosition(cursor, fingerprint, { createdAt: new Date(time), id }, time, rest);
}

/** The position of a cursor made in an order by relevance (its rank with it); InvalidCursor as decodeCursor. */
export function decodeRankedCursor(cursor: string, fingerprint: string): RankedPosition {
  const [time = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split(separator);
  const rank = rest.pop() ?? '';
  if (!rankNumber.test(rank)) throw new InvalidCursor();
  return checkedPosition(cursor, fingerprint, { createdAt: new Date(time), id, rank: Number(rank) }, time, rest);
}

function checkedPosition<P extends PagePosition>(
  cursor: string,
  fingerprint: string,
  position: P,
  time: string,
  rest: string[],
): P {
  const bound = fingerprint === '' ? rest.length === 0 : rest.length === 1 && rest[0] === fingerprint;
  if (!bound || !millisecondIsoTime.test(time) || !canonicalUuid.test(position.id)) throw new InvalidCursor();
  // Node's base64url decoder skips characters it does not know, and Date accepts days like
  // February 30: only a cursor that encodes back to itself is one this service issued.
  if (Number.isNaN(position.createdAt.getTime()) || encodeCursor(position, fingerprint) !== cursor)
    throw new InvalidCursor();
  return position;
}
