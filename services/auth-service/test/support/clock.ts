import type { Clock } from '../../src/app/ports.ts';

/** A clock that stands still until a test moves it. */
export class ManualClock implements Clock {
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
