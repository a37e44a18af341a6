// Stand-ins for a service's Clock and NewId ports in tests with no I/O: time and ids a test decides.

/** A clock that stands still until a test moves it. */
export class ManualClock {
  private current: Date;

  constructor(start = new Date()) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** Canonical UUIDs in the order they are asked for (…-000000000001, …-000000000002, ...), so ids sort as they were made. */
export function sequentialUuids(): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `00000000-0000-7000-8000-${next.toString(16).padStart(12, '0')}`;
  };
}
