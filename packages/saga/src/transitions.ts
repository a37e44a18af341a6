// The saga state machine as pure functions: a saga and a message in, the next saga, the lines of
// its history and the command to send out. The engine persists each result in one transaction.
import { backoffDelay } from '@notes/scheduling';
import type { SagaCommand, SagaDefinition } from './definition.ts';
import { SagaStateConflict } from './errors.ts';
import type { ActiveSagaState, Saga, SagaLogEntry, SagaLogEvent } from './saga.ts';

export interface SagaSettings {
  /** How long the first attempt of a step waits for its reply; each further attempt waits twice as long... */
  stepTimeoutMs: number;
  /** ...but never longer than this. */
  maxStepTimeoutMs: number;
  /** How many times a step's command (or compensation) is sent before the step counts as failed. */
  maxAttempts: number;
}

/**
 * Attempts wait 10, 20, 40, 80, 160 and 300 s: a participant that is away for minutes (a deploy, a
 * broker outage) delays a saga but does not make it compensate.
 */
export const defaultSagaSettings: Readonly<SagaSettings> = {
  stepTimeoutMs: 10_000,
  maxStepTimeoutMs: 300_000,
  maxAttempts: 6,
};

/** How long attempt n (1, 2, …) of a step waits for its reply: exponential backoff, capped. */
export function attemptTimeoutMs(attempt: number, settings: SagaSettings): number {
  return backoffDelay(attempt, { initialMs: settings.stepTimeoutMs, maxMs: settings.maxStepTimeoutMs });
}

/** A command as sent: its id is the envelope's event id, which the participant's reply names. */
export interface OutgoingCommand extends SagaCommand {
  id: string;
}

export interface TransitionContext {
  definition: SagaDefinition;
  settings: SagaSettings;
  now: Date;
  newCommandId: () => string;
}

export interface Transition {
  /** The saga after the message; the very same object when the message changed nothing. */
  saga: Saga;
  /** What the saga's history records about the message. */
  log: SagaLogEntry[];
  /** The command to write to saga.commands with the new state, if any. */
  command: OutgoingCommand | undefined;
}

/** A participant's answer to a command (saga.v1.StepReply). */
export interface StepReply {
  commandId: string;
  commandType: string;
  succeeded: boolean;
  /** Why it refused; empty on success. */
  reason: string;
}

export interface NewSaga {
  id: string;
  userId: string | null;
  payload: Record<string, unknown>;
  correlationId: string;
}

/** A new saga of context.definition: RUNNING its first step, whose command goes out at once. */
export function startSaga(init: NewSaga, context: TransitionContext): Transition {
  const saga: Saga = {
    ...init,
    type: context.definition.type,
    state: 'RUNNING',
    step: null,
    attempts: 0,
    deadlineAt: null,
    currentCommandId: null,
    failureReason: null,
    failedIn: null,
    createdAt: context.now,
    updatedAt: context.now,
  };
  return send(saga, 'RUNNING', 0, 1, context, []);
}

/**
 * A reply to the current command moves the saga on: to the next step or COMPLETED on success; a
 * refused step starts the compensation; a refused compensation is sent again at its deadline, and
 * fails the saga after its last attempt. Any other reply (an older attempt's, or one arriving after
 * the saga left RUNNING/COMPENSATING) is recorded and changes nothing.
 */
export function applyReply(saga: Saga, reply: StepReply, context: TransitionContext): Transition {
  if (!isActive(saga.state) || reply.commandId !== saga.currentCommandId) {
    const when = isActive(saga.state) ? 'not the current command' : `the saga is ${saga.state}`;
    const line = entry(saga.step ?? '', 'stale_reply', `${describeReply(reply)}: ${when}; ignored`, context);
    return { saga, log: [line], command: undefined };
  }
  const index = stepIndex(saga, context.definition);
  const step = saga.step ?? '';
  if (saga.state === 'RUNNING') {
    if (reply.succeeded) {
      const log = [entry(step, 'succeeded', `${reply.commandType} (command ${reply.commandId})`, context)];
      return index + 1 < context.definition.steps.length
        ? send(saga, 'RUNNING', index + 1, 1, context, log)
        : end(saga, 'COMPLETED', context, log);
    }
    const log = [entry(step, 'failed', reply.reason, context)];
    return compensateFrom(saga, index, `${step}: ${reply.reason}`, context, log);
  }
  if (reply.succeeded) {
    const log = [entry(step, 'compensated', `${reply.commandType} (command ${reply.commandId})`, context)];
    const next = lastCompensableStep(context.definition, index - 1);
    return next === undefined
      ? end(saga, 'COMPENSATED', context, log)
      : send(saga, 'COMPENSATING', next, 1, context, log);
  }
  const log = [entry(step, 'compensation_failed', reply.reason, context)];
  if (saga.attempts >= context.settings.maxAttempts) {
    return fail(saga, 'COMPENSATING', `compensation of ${step}: ${reply.reason}`, context, log);
  }
  // Sent again when the attempt's deadline passes, like an unanswered one: the refusal waits out its backoff.
  return { saga: { ...saga, currentCommandId: null, updatedAt: context.now }, log, command: undefined };
}

/**
 * The current attempt's deadline passed: the command is sent again with a new id (a reply to the
 * old one is then stale), up to maxAttempts; after the last one a step compensates and a
 * compensation fails the saga. A saga that is not due is left as it is.
 */
export function applyDeadline(saga: Saga, context: TransitionContext): Transition {
  if (!isActive(saga.state) || saga.deadlineAt === null || saga.deadlineAt > context.now) {
    return { saga, log: [], command: undefined };
  }
  const index = stepIndex(saga, context.definition);
  const step = saga.step ?? '';
  const log: SagaLogEntry[] = [];
  if (saga.currentCommandId !== null) {
    log.push(entry(step, 'timed_out', `attempt ${saga.attempts} (command ${saga.currentCommandId})`, context));
  }
  if (saga.attempts < context.settings.maxAttempts) {
    return send(saga, saga.state, index, saga.attempts + 1, context, log);
  }
  const noReply = `no reply after ${saga.attempts} attempts`;
  return saga.state === 'RUNNING'
    ? compensateFrom(saga, index, `${step}: ${noReply}`, context, log)
    : fail(saga, 'COMPENSATING', `compensation of ${step}: ${noReply}`, context, log);
}

/** An operator resumes a FAILED saga where it stopped (the same step, same direction), with fresh attempts. */
export function retrySaga(saga: Saga, context: TransitionContext): Transition {
  if (saga.state !== 'FAILED' || saga.failedIn === null) throw new SagaStateConflict(saga, 'retry');
  const resumed = { ...saga, failureReason: saga.failedIn === 'RUNNING' ? null : saga.failureReason };
  const log = [entry(saga.step ?? '', 'retried', `resuming ${saga.failedIn}`, context)];
  return send(resumed, saga.failedIn, stepIndex(saga, context.definition), 1, context, log);
}

/**
 * An operator stops a RUNNING saga: it compensates as if its current step had failed (that step's
 * command may still take effect, so its compensation runs too).
 */
export function cancelSaga(saga: Saga, context: TransitionContext): Transition {
  if (saga.state !== 'RUNNING') throw new SagaStateConflict(saga, 'cancel');
  const log = [entry(saga.step ?? '', 'cancelled', 'by an operator', context)];
  return compensateFrom(saga, stepIndex(saga, context.definition), 'cancelled by an operator', context, log);
}

function isActive(state: Saga['state']): state is ActiveSagaState {
  return state === 'RUNNING' || state === 'COMPENSATING';
}

/** Sends attempt `attempt` of step `index`'s command (RUNNING) or compensation (COMPENSATING). */
function send(
  saga: Saga,
  state: ActiveSagaState,
  index: number,
  attempt: number,
  context: TransitionContext,
  log: SagaLogEntry[],
): Transition {
  const step = context.definition.steps[index];
  const build = state === 'RUNNING' ? step?.command : step?.compensation;
  if (step === undefined || build === undefined) {
    throw new Error(`${context.definition.type} has no ${state === 'RUNNING' ? 'step' : 'compensation'} ${index}`);
  }
  const command: OutgoingCommand = { id: context.newCommandId(), ...build(saga) };
  const next: Saga = {
    ...saga,
    state,
    step: step.name,
    attempts: attempt,
    deadlineAt: new Date(context.now.getTime() + attemptTimeoutMs(attempt, context.settings)),
    currentCommandId: command.id,
    failedIn: null,
    updatedAt: context.now,
  };
  const event = state === 'RUNNING' ? 'command_sent' : 'compensation_sent';
  log.push(entry(step.name, event, `${command.type} attempt ${attempt} (command ${command.id})`, context));
  return { saga: next, log, command };
}

/**
 * Step `index` failed (or was cancelled): undo it and every step before it, latest first, skipping
 * steps without a compensation. With nothing to undo the saga fails, for an operator to retry.
 */
function compensateFrom(
  saga: Saga,
  index: number,
  reason: string,
  context: TransitionContext,
  log: SagaLogEntry[],
): Transition {
  const first = lastCompensableStep(context.definition, index);
  if (first === undefined) return fail(saga, 'RUNNING', reason, context, log);
  return send({ ...saga, failureReason: reason }, 'COMPENSATING', first, 1, context, log);
}

/** The latest step at or before `index` that has a compensation. */
function lastCompensableStep(definition: SagaDefinition, index: number): number | undefined {
  for (let i = index; i >= 0; i -= 1) {
    if (definition.steps[i]?.compensation !== undefined) return i;
  }
  return undefined;
}

function fail(
  saga: Saga,
  failedIn: ActiveSagaState,
  reason: string,
  context: TransitionContext,
  log: SagaLogEntry[],
): Transition {
  log.push(entry(saga.step ?? '', 'saga_failed', reason, context));
  const next: Saga = {
    ...saga,
    state: 'FAILED',
    failedIn,
    failureReason: reason,
    deadlineAt: null,
    currentCommandId: null,
    updatedAt: context.now,
  };
  return { saga: next, log, command: undefined };
}

function end(
  saga: Saga,
  state: 'COMPLETED' | 'COMPENSATED',
  context: TransitionContext,
  log: SagaLogEntry[],
): Transition {
  const event = state === 'COMPLETED' ? 'saga_completed' : 'saga_compensated';
  log.push(entry(saga.step ?? '', event, saga.failureReason ?? '', context));
  const next: Saga = {
    ...saga,
    state,
    step: null,
    attempts: 0,
    deadlineAt: null,
    currentCommandId: null,
    updatedAt: context.now,
  };
  return { saga: next, log, command: undefined };
}

function stepIndex(saga: Saga, definition: SagaDefinition): number {
  const index = definition.steps.findIndex((step) => step.name === saga.step);
  if (index === -1)
    throw new Error(`saga ${saga.id} is at step ${saga.step}, which ${definition.type} does not define`);
  return index;
}

function entry(step: string, event: SagaLogEvent, detail: string, context: TransitionContext): SagaLogEntry {
  return { step, event, detail, at: context.now };
}

function describeReply(reply: StepReply): string {
  const outcome = reply.succeeded ? 'success' : `refusal (${reply.reason})`;
  return `${outcome} of ${reply.commandType} (command ${reply.commandId})`;
}
