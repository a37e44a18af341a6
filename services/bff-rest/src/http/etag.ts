/** The strong ETag of a note version: `"7"`. */
export function etagOf(version: bigint): string {
  return `"${version}"`;
}

/** What an If-Match header accepts: any current version (`*`), or the versions its strong ETags name. */
export type IfMatch = { kind: 'any' } | { kind: 'versions'; versions: bigint[] };

// Our ETags are positive int64 versions; 18 digits keep any value inside int64.
const noteEtag = /^"([1-9][0-9]{0,17})"$/;

/**
 * Parses If-Match (RFC 9110 §13.1.1). Weak ETags never match (strong comparison), and neither do
 * tags that are not ours, so they are left out: an empty list means nothing can match.
 */
export function parseIfMatch(header: string): IfMatch {
  if (header.trim() === '*') return { kind: 'any' };
  const versions: bigint[] = [];
  for (const tag of header.split(',')) {
    const match = noteEtag.exec(tag.trim());
    if (match?.[1] !== undefined) versions.push(BigInt(match[1]));
  }
  return { kind: 'versions', versions };
}
