/** The error's message and, for aggregates (the Kafka client's retries), the distinct innermost ones. */
export function summarize(error: unknown): string {
  const leaves = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    const nested = value instanceof AggregateError ? value.errors : [];
    if (nested.length === 0 || depth > 5) {
      leaves.add(value instanceof Error ? value.message : String(value));
      return;
    }
    for (const inner of nested) visit(inner, depth + 1);
  };
  visit(error, 0);
  const message = error instanceof Error ? error.message : String(error);
  leaves.delete(message);
  return leaves.size === 0 ? message : `${message}: ${[...leaves].join('; ')}`;
}
