import type { SagaStateChange } from '@notes/saga';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';

export interface SagaMetrics {
  /** Counts a saga entering a state (the saga engine's onStateChange hook). */
  recordStateChange(change: SagaStateChange): void;
  /** The Prometheus text exposition of every metric, and its content type. */
  exposition(): Promise<{ contentType: string; text: string }>;
}

/** The orchestrator's metrics, in a registry of their own (tests run several orchestrators in one process). */
export function createSagaMetrics(): SagaMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const transitions = new Counter({
    name: 'saga_transitions_total',
    help: 'Sagas entering a state (RUNNING when started or retried), by saga type and state.',
    labelNames: ['type', 'state'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'sagas_failed_total',
    help: 'Sagas that became FAILED and wait for an operator (npm run saga -- list --state FAILED).',
    labelNames: ['type'],
    registers: [registry],
  });
  return {
    recordStateChange({ saga }) {
      transitions.inc({ type: saga.type, state: saga.state });
      if (saga.state === 'FAILED') failed.inc({ type: saga.type });
    },
    async exposition() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
