export {
  assertValidDefinitions,
  type CommandBuilder,
  type SagaCommand,
  type SagaDefinition,
  type SagaStepDefinition,
  type SagaSubject,
} from './definition.ts';
export { createSagaEngine } from './engine.ts';
export type {
  ConsumerHandlerOptions,
  SagaEngine,
  SagaEngineOptions,
  SagaStateChange,
  SagaWithHistory,
  StartedSaga,
  StartSagaRequest,
} from './engine-api.ts';
export { SagaError, type SagaErrorCode, SagaNotFound, SagaStateConflict } from './errors.ts';
export { commandEvent, type ReceivedStepReply, readStepReply, stepReplyEvent } from './messages.ts';
export { createSagaMetrics } from './metrics.ts';
export { sagaMigrations } from './migrations.ts';
export { type AnsweredCommand, createSagaReplies, type SagaRepliesOptions } from './participant-replies.ts';
export { purgeFinishedSagas } from './retention.ts';
export {
  type ActiveSagaState,
  type Saga,
  type SagaLogEntry,
  type SagaLogEvent,
  type SagaState,
  sagaLogEvents,
  sagaStates,
} from './saga.ts';
export type { SagaFilter } from './store.ts';
export { startTimeoutScanner, type TimeoutScanner, type TimeoutScannerOptions } from './timeout-scanner.ts';
export {
  applyDeadline,
  applyReply,
  attemptTimeoutMs,
  cancelSaga,
  defaultSagaSettings,
  type NewSaga,
  type OutgoingCommand,
  retrySaga,
  type SagaSettings,
  type StepReply,
  startSaga,
  type Transition,
  type TransitionContext,
} from './transitions.ts';
