import { createHash } from 'node:crypto';

/** One SQL statement and its parameters, as node-postgres takes it; a name makes it a prepared statement. */
export interface Statement {
  name?: string;
  text: string;
  values: unknown[];
}

/**
 * A statement prepared on each connection the first time it runs there: later runs only bind and
 * execute it (node-postgres remembers the names each connection prepared). The name is a hash of
 * the text, so two texts never share a name and one text always gets the same one.
 */
export function preparedStatement(text: string): (values: unknown[]) => Statement {
  const name = statementName(text);
  return (values) => ({ name, text, values });
}

export function statementName(text: string): string {
  return `s${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
}

// One combined text per list of prepared statements (a use case always defers the same ones).
const combinedTexts = new Map<string, { name: string; text: string }>();

/**
 * Several writes as one statement: each but the last a data-modifying CTE of the last, with its
 * parameters renumbered after the previous ones'. PostgreSQL runs them on one snapshot, in no set
 * order among them, and commits them together. Their texts refer to parameters as $n only (no
 * dollar-quoted strings), and only the last may start with WITH. Prepared when all of them are.
 */
export function combinedStatement(writes: readonly Statement[]): Statement {
  const [only] = writes;
  if (writes.length === 1 && only !== undefined) return only;
  const values = writes.flatMap((write) => write.values);
  if (writes.every((write) => write.name !== undefined)) {
    const key = writes.map((write) => write.name).join(' ');
    let combined = combinedTexts.get(key);
    if (combined === undefined) {
      const text = combinedText(writes);
      combined = { name: statementName(text), text };
      combinedTexts.set(key, combined);
    }
    return { ...combined, values };
  }
  return { text: combinedText(writes), values };
}

function combinedText(writes: readonly Statement[]): string {
  let offset = 0;
  const texts = writes.map((write) => {
    const shift = offset;
    offset += write.values.length;
    return write.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`);
  });
  const last = texts.pop();
  return `WITH ${texts.map((text, index) => `write${index} AS (${text})`).join(', ')} ${last}`;
}
