import type { Logger } from '@notes/logger';
import type { Pool } from '@notes/postgres';
import { v7 as uuidv7 } from 'uuid';
import { assertValidDefinitions, type SagaDefinition } from './definition.ts';
import type { SagaEngineOptions } from './engine-api.ts';
import { sagaTransactions, type Transact } from './transactions.ts';
import { defaultSagaSettings, type SagaSettings, type TransitionContext } from './transitions.ts';

/** What the engine's parts share: the definitions, the settings, the clock, ids, and its transactions. */
export interface SagaRuntime {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly definitions: ReadonlyMap<string, SagaDefinition>;
  readonly types: string[];
  readonly clock: { now(): Date };
  readonly newId: () => string;
  readonly transact: Transact;
  /** What the transitions need to move a saga of this type; throws for a type not defined. */
  contextFor(type: string): TransitionContext;
}

export function createSagaRuntime(options: SagaEngineOptions): SagaRuntime {
  assertValidDefinitions(options.definitions);
  const settings = checkedSettings({ ...defaultSagaSettings, ...options.settings });
  const definitions = new Map(options.definitions.map((definition) => [definition.type, definition]));
  const { pool, logger } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const newId = options.newId ?? (() => uuidv7());
  return {
    pool,
    logger,
    definitions,
    types: [...definitions.keys()],
    clock,
    newId,
    transact: sagaTransactions({
      pool,
      afterCommit: options.afterCommit,
      onStateChange: options.onStateChange,
      logger,
    }),
    contextFor(type) {
      const definition = definitions.get(type);
      if (definition === undefined) throw new Error(`unknown saga type ${type}`);
      return { definition, settings, now: clock.now(), newCommandId: newId };
    },
  };
}

function checkedSettings(settings: SagaSettings): SagaSettings {
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    throw new Error(`saga maxAttempts must be an integer ≥ 1, not ${settings.maxAttempts}`);
  }
  if (!(settings.stepTimeoutMs > 0) || !(settings.maxStepTimeoutMs >= settings.stepTimeoutMs)) {
    throw new Error('saga stepTimeoutMs must be > 0 and maxStepTimeoutMs ≥ stepTimeoutMs');
  }
  return settings;
}
