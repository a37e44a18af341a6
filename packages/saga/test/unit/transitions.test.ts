import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyDeadline,
  applyReply,
  assertValidDefinitions,
  attemptTimeoutMs,
  cancelSaga,
  defaultSagaSettings,
  retrySaga,
  type Saga,
  type SagaDefinition,
  type SagaSettings,
  type SagaState,
  SagaStateConflict,
  type StepReply,
  startSaga,
  type Transition,
  type TransitionContext,
} from '../../src/index.ts';

const command = (type: string) => () => ({ type, payload: new TextEncoder().encode(type) });

/** reserve (undone by release), charge (never undone), ship (undone by recall). */
const order: SagaDefinition = {
  type: 'OrderSaga',
  steps: [
    { name: 'reserve', command: command('Reserve'), compensation: command('Release') },
    { name: 'charge', command: command('Charge') },
    { name: 'ship', command: command('Ship'), compensation: command('Recall') },
  ],
};
const forwardOnly: SagaDefinition = {
  type: 'ForwardOnlySaga',
  steps: [
    { name: 'first', command: command('First') },
    { name: 'second', command: command('Second') },
  ],
};

const settings: SagaSettings = { stepTimeoutMs: 1_000, maxStepTimeoutMs: 5_000, maxAttempts: 3 };
const t0 = Date.parse('2026-11-23T10:00:00.000Z');

/** A context at t0 + ms whose command ids count up (cmd-1, cmd-2, …) across calls. */
function contexts(definition: SagaDefinition) {
  let ids = 0;
  return (ms = 0): TransitionContext => ({
    definition,
    settings,
    now: new Date(t0 + ms),
    newCommandId: () => {
      ids += 1;
      return `cmd-${ids}`;
    },
  });
}

function started(definition = order) {
  const at = contexts(definition);
  const first = startSaga({ id: 'saga-1', userId: 'user-1', payload: {}, correlationId: 'saga-1' }, at());
  return { at, saga: first.saga, first };
}

const success = (saga: Saga): StepReply => ({
  commandId: saga.currentCommandId ?? 'none',
  commandType: 'T',
  succeeded: true,
  reason: '',
});
const refusal = (saga: Saga, reason = 'no'): StepReply => ({ ...success(saga), succeeded: false, reason });

/** Replies success to each command until the saga is at `step` (forward). */
function advanceTo(step: string, definition = order) {
  const run = started(definition);
  let saga = run.saga;
  while (saga.step !== step) saga = applyReply(saga, success(saga), run.at()).saga;
  return { ...run, saga };
}

const events = (transition: Transition) => transition.log.map((entry) => entry.event);

describe('start', () => {
  test('RUNNING the first step: its command goes out with a deadline one step timeout away', () => {
    const { first } = started();
    assert.equal(first.saga.state, 'RUNNING');
    assert.equal(first.saga.step, 'reserve');
    assert.equal(first.saga.attempts, 1);
    assert.deepEqual(first.saga.deadlineAt, new Date(t0 + 1_000));
    assert.equal(first.saga.currentCommandId, 'cmd-1');
    assert.equal(first.command?.id, 'cmd-1');
    assert.equal(first.command?.type, 'Reserve');
    assert.deepEqual(events(first), ['command_sent']);
  });
});

describe('replies while RUNNING', () => {
  test('success of the current command sends the next step, and after the last one the saga COMPLETES', () => {
    const { at, saga } = started();
    const second = applyReply(saga, success(saga), at(10));
    assert.equal(second.saga.step, 'charge');
    assert.equal(second.saga.attempts, 1);
    assert.equal(second.command?.type, 'Charge');
    assert.notEqual(second.command?.id, saga.currentCommandId);
    assert.deepEqual(events(second), ['succeeded', 'command_sent']);

    const third = applyReply(second.saga, success(second.saga), at(20));
    const done = applyReply(third.saga, success(third.saga), at(30));
    assert.equal(done.saga.state, 'COMPLETED');
    assert.equal(done.saga.step, null);
    assert.equal(done.saga.deadlineAt, null);
    assert.equal(done.saga.currentCommandId, null);
    assert.equal(done.command, undefined);
    assert.deepEqual(events(done), ['succeeded', 'saga_completed']);
  });

  test('a refusal compensates the failing step and the steps before it, latest first, skipping those without one', () => {
    const { at, saga } = advanceTo('ship');
    const refused = applyReply(saga, refusal(saga, 'no stock'), at(50));
    assert.equal(refused.saga.state, 'COMPENSATING');
    assert.equal(refused.saga.step, 'ship');
    assert.equal(refused.command?.type, 'Recall');
    assert.equal(refused.saga.failureReason, 'ship: no stock');
    assert.deepEqual(events(refused), ['failed', 'compensation_sent']);

    const recalled = applyReply(refused.saga, success(refused.saga), at(60));
    assert.equal(recalled.saga.step, 'reserve', 'charge has no compensation');
    assert.equal(recalled.command?.type, 'Release');
    assert.equal(recalled.saga.attempts, 1);

    const released = applyReply(recalled.saga, success(recalled.saga), at(70));
    assert.equal(released.saga.state, 'COMPENSATED');
    assert.equal(released.saga.step, null);
    assert.equal(released.saga.failureReason, 'ship: no stock');
    assert.deepEqual(events(released), ['compensated', 'saga_compensated']);
  });

  test('a refused step without a compensation compensates the completed steps before it', () => {
    const { at, saga } = advanceTo('charge');
    const refused = applyReply(saga, refusal(saga, 'card declined'), at(50));
    assert.equal(refused.saga.state, 'COMPENSATING');
    assert.equal(refused.saga.step, 'reserve');
    assert.equal(refused.command?.type, 'Release');
  });

  test('a refusal with nothing to undo FAILS the saga where it stopped, with the reason', () => {
    const { at, saga } = advanceTo('second', forwardOnly);
    const refused = applyReply(saga, refusal(saga, 'locked'), at(50));
    assert.equal(refused.saga.state, 'FAILED');
    assert.equal(refused.saga.failedIn, 'RUNNING');
    assert.equal(refused.saga.step, 'second');
    assert.equal(refused.saga.failureReason, 'second: locked');
    assert.equal(refused.saga.deadlineAt, null);
    assert.equal(refused.command, undefined);
    assert.deepEqual(events(refused), ['failed', 'saga_failed']);
  });
});

describe('stale replies', () => {
  test('a reply to an earlier attempt is recorded and changes nothing, whatever it says', () => {
    const { at, saga } = started();
    const resent = applyDeadline(saga, at(1_000)).saga;
    for (const reply of [success(saga), refusal(saga)]) {
      const result = applyReply(resent, reply, at(1_001));
      assert.equal(result.saga, resent);
      assert.equal(result.command, undefined);
      assert.deepEqual(events(result), ['stale_reply']);
      assert.match(result.log[0]?.detail ?? '', /cmd-1.*not the current command/);
    }
  });

  for (const state of ['COMPLETED', 'COMPENSATED', 'FAILED'] as const) {
    test(`a reply after the saga became ${state} is recorded and changes nothing`, () => {
      const { at, saga } = started();
      const ended: Saga = { ...saga, state, failedIn: state === 'FAILED' ? 'RUNNING' : null };
      const result = applyReply(ended, success(saga), at(5));
      assert.equal(result.saga, ended);
      assert.deepEqual(events(result), ['stale_reply']);
      assert.match(result.log[0]?.detail ?? '', new RegExp(`the saga is ${state}`));
    });
  }
});

describe('deadlines', () => {
  test('attempt timeouts double from stepTimeoutMs up to maxStepTimeoutMs', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => attemptTimeoutMs(attempt, settings)),
      [1_000, 2_000, 4_000, 5_000, 5_000],
    );
  });

  test('by default a step waits more than ten minutes over its attempts before it counts as failed', () => {
    const attempts = Array.from({ length: defaultSagaSettings.maxAttempts }, (_, i) =>
      attemptTimeoutMs(i + 1, defaultSagaSettings),
    );
    assert.deepEqual(attempts, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000]);
  });

  test('before the deadline nothing happens', () => {
    const { at, saga } = started();
    const result = applyDeadline(saga, at(999));
    assert.equal(result.saga, saga);
    assert.deepEqual(result.log, []);
  });

  test('a passed deadline re-sends the command with a new id, one more attempt and a longer deadline', () => {
    const { at, saga } = started();
    const resent = applyDeadline(saga, at(1_000));
    assert.equal(resent.saga.state, 'RUNNING');
    assert.equal(resent.saga.attempts, 2);
    assert.equal(resent.command?.type, 'Reserve');
    assert.equal(resent.saga.currentCommandId, 'cmd-2');
    assert.deepEqual(resent.saga.deadlineAt, new Date(t0 + 1_000 + 2_000));
    assert.deepEqual(events(resent), ['timed_out', 'command_sent']);
    // The new attempt's reply counts.
    assert.equal(applyReply(resent.saga, success(resent.saga), at(1_500)).saga.step, 'charge');
  });

  test('after the last attempt a step compensates; after the last attempt of a compensation the saga FAILS', () => {
    const run = advanceTo('ship');
    let saga = run.saga;
    const timeOut = () => {
      const result = applyDeadline(saga, run.at((saga.deadlineAt?.getTime() ?? 0) - t0));
      saga = result.saga;
      return result;
    };
    timeOut();
    timeOut();
    const gaveUp = timeOut();
    assert.equal(saga.state, 'COMPENSATING');
    assert.equal(saga.step, 'ship');
    assert.equal(saga.failureReason, 'ship: no reply after 3 attempts');
    assert.deepEqual(events(gaveUp), ['timed_out', 'compensation_sent']);

    timeOut();
    timeOut();
    const failed = timeOut();
    assert.equal(saga.state, 'FAILED');
    assert.equal(saga.failedIn, 'COMPENSATING');
    assert.equal(saga.step, 'ship');
    assert.equal(saga.failureReason, 'compensation of ship: no reply after 3 attempts');
    assert.deepEqual(events(failed), ['timed_out', 'saga_failed']);
  });

  for (const state of ['COMPLETED', 'COMPENSATED', 'FAILED'] as const) {
    test(`a deadline means nothing to a ${state} saga`, () => {
      const { at, saga } = started();
      const ended: Saga = { ...saga, state };
      assert.equal(applyDeadline(ended, at(60_000)).saga, ended);
    });
  }
});

describe('refused compensations', () => {
  test('are sent again when their deadline passes, and FAIL the saga with the reason after the last attempt', () => {
    const { at, saga: running } = started();
    let saga = applyReply(running, refusal(running, 'no stock'), at(1)).saga;
    assert.equal(saga.state, 'COMPENSATING');

    const refused = applyReply(saga, refusal(saga, 'ledger locked'), at(2));
    assert.equal(refused.saga.state, 'COMPENSATING');
    assert.equal(refused.saga.currentCommandId, null, 'no reply is awaited any more');
    assert.equal(refused.command, undefined, 'not re-sent at once');
    assert.deepEqual(events(refused), ['compensation_failed']);
    saga = refused.saga;

    const early = applyDeadline(saga, at(500));
    assert.equal(early.saga, saga, 'waits out the attempt deadline');
    const resent = applyDeadline(saga, at(1_001));
    assert.deepEqual(events(resent), ['compensation_sent'], 'nothing timed out: it was answered');
    assert.equal(resent.saga.attempts, 2);
    saga = resent.saga;

    saga = applyDeadline(applyReply(saga, refusal(saga, 'ledger locked'), at(1_100)).saga, at(3_001)).saga;
    assert.equal(saga.attempts, 3);
    const last = applyReply(saga, refusal(saga, 'ledger still locked'), at(3_100));
    assert.equal(last.saga.state, 'FAILED');
    assert.equal(last.saga.failedIn, 'COMPENSATING');
    assert.equal(last.saga.failureReason, 'compensation of reserve: ledger still locked');
    assert.deepEqual(events(last), ['compensation_failed', 'saga_failed']);
  });
});

describe('operator retry', () => {
  test('resumes a saga that FAILED while RUNNING at the same step, with fresh attempts and no reason', () => {
    const { at, saga } = advanceTo('second', forwardOnly);
    const failed = applyReply(saga, refusal(saga, 'locked'), at(1)).saga;
    const retried = retrySaga(failed, at(100));
    assert.equal(retried.saga.state, 'RUNNING');
    assert.equal(retried.saga.step, 'second');
    assert.equal(retried.saga.attempts, 1);
    assert.equal(retried.saga.failedIn, null);
    assert.equal(retried.saga.failureReason, null);
    assert.equal(retried.command?.type, 'Second');
    assert.deepEqual(events(retried), ['retried', 'command_sent']);
    assert.equal(applyReply(retried.saga, success(retried.saga), at(200)).saga.state, 'COMPLETED');
  });

  test('resumes a saga that FAILED while COMPENSATING with the same compensation', () => {
    const { at, saga: running } = started();
    let saga = applyReply(running, refusal(running), at(1)).saga;
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt += 1) {
      saga = applyDeadline(saga, at((saga.deadlineAt?.getTime() ?? 0) - t0)).saga;
    }
    assert.equal(saga.state, 'FAILED');
    const retried = retrySaga(saga, at(60_000));
    assert.equal(retried.saga.state, 'COMPENSATING');
    assert.equal(retried.saga.step, 'reserve');
    assert.equal(retried.command?.type, 'Release');
    assert.equal(retried.saga.failureReason, saga.failureReason, 'why it compensates stays');
    assert.equal(applyReply(retried.saga, success(retried.saga), at(60_001)).saga.state, 'COMPENSATED');
  });
});

describe('operator cancel', () => {
  test('compensates a RUNNING saga from its current step, whose command may still take effect', () => {
    const { at, saga } = advanceTo('ship');
    const cancelled = cancelSaga(saga, at(5));
    assert.equal(cancelled.saga.state, 'COMPENSATING');
    assert.equal(cancelled.saga.step, 'ship');
    assert.equal(cancelled.command?.type, 'Recall');
    assert.equal(cancelled.saga.failureReason, 'cancelled by an operator');
    assert.deepEqual(events(cancelled), ['cancelled', 'compensation_sent']);
    const late = applyReply(cancelled.saga, success(saga), at(6));
    assert.deepEqual(events(late), ['stale_reply'], "the cancelled command's reply no longer counts");
  });

  test('FAILS a RUNNING saga that has nothing to undo, so that a retry can resume it', () => {
    const { at, saga } = started(forwardOnly);
    const cancelled = cancelSaga(saga, at(5));
    assert.equal(cancelled.saga.state, 'FAILED');
    assert.equal(cancelled.saga.failedIn, 'RUNNING');
    assert.equal(cancelled.saga.failureReason, 'cancelled by an operator');
  });
});

describe('every state × operator action', () => {
  /** The state each action leads to, or undefined where it is refused. */
  type Outcome = SagaState | undefined;
  const outcomes: Record<SagaState, { retry: Outcome; cancel: Outcome }> = {
    RUNNING: { retry: undefined, cancel: 'COMPENSATING' },
    COMPENSATING: { retry: undefined, cancel: undefined },
    COMPLETED: { retry: undefined, cancel: undefined },
    COMPENSATED: { retry: undefined, cancel: undefined },
    FAILED: { retry: 'RUNNING', cancel: undefined },
  };
  for (const [state, expected] of Object.entries(outcomes) as [SagaState, { retry: Outcome; cancel: Outcome }][]) {
    test(`${state}: retry → ${expected.retry ?? 'refused'}, cancel → ${expected.cancel ?? 'refused'}`, () => {
      const { at, saga: running } = started();
      const saga: Saga = { ...running, state, failedIn: state === 'FAILED' ? 'RUNNING' : null };
      for (const [action, decide] of [
        ['retry', retrySaga],
        ['cancel', cancelSaga],
      ] as const) {
        const outcome = expected[action];
        if (outcome !== undefined) {
          assert.equal(decide(saga, at(1)).saga.state, outcome);
        } else {
          assert.throws(
            () => decide(saga, at(1)),
            (error) => error instanceof SagaStateConflict && error.code === 'SAGA_STATE_CONFLICT',
          );
        }
      }
    });
  }
});

test('definitions without steps, or repeating a step or a type, are refused', () => {
  assert.doesNotThrow(() => assertValidDefinitions([order, forwardOnly]));
  assert.throws(() => assertValidDefinitions([{ type: 'Empty', steps: [] }]), /has no steps/);
  assert.throws(() => assertValidDefinitions([order, order]), /defined twice/);
  const twice = { type: 'Twice', steps: [order.steps[0], order.steps[0]] } as SagaDefinition;
  assert.throws(() => assertValidDefinitions([twice]), /repeats a step name/);
});
