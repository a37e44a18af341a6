import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import type { SagaSchema, SagaService } from '@notes/contracts/saga/v1';
import type { Saga, SagaEngine, SagaLogEntry, SagaState, StartedSaga } from '@notes/saga';
import type { StartDeleteUserSaga } from '../app/start-delete-user-saga.ts';

export interface SagaServiceDeps {
  startDeleteUserSaga: StartDeleteUserSaga<StartedSaga>;
  sagas: Pick<SagaEngine, 'get' | 'list' | 'retry' | 'cancel'>;
}

const defaultListLimit = 50;

/**
 * SagaService over the use case and the saga engine: it only translates messages. Requests arrive
 * validated against the .proto rules; errors become statuses in errorInterceptor (mapSagaError).
 * Every single saga comes with its history; listed ones without.
 */
export function sagaServiceImpl(deps: SagaServiceDeps): ServiceImpl<typeof SagaService> {
  return {
    async startDeleteUserSaga({ userId }) {
      const started = await deps.startDeleteUserSaga(userId);
      const { saga, history } = await deps.sagas.get(started.saga.id);
      return { saga: toSagaMessage(saga, history) };
    },
    async getSaga({ sagaId }) {
      const { saga, history } = await deps.sagas.get(sagaId);
      return { saga: toSagaMessage(saga, history) };
    },
    async listSagas({ state, type, limit }) {
      // Proto strings have no null: empty means "any".
      const sagas = await deps.sagas.list({
        state: state === '' ? undefined : (state as SagaState),
        type: type === '' ? undefined : type,
        limit: limit === 0 ? defaultListLimit : limit,
      });
      return { sagas: sagas.map((saga) => toSagaMessage(saga, [])) };
    },
    async retrySaga({ sagaId }) {
      const { saga, history } = await deps.sagas.retry(sagaId);
      return { saga: toSagaMessage(saga, history) };
    },
    async cancelSaga({ sagaId }) {
      const { saga, history } = await deps.sagas.cancel(sagaId);
      return { saga: toSagaMessage(saga, history) };
    },
  };
}

function toSagaMessage(saga: Saga, history: readonly SagaLogEntry[]): MessageInitShape<typeof SagaSchema> {
  return {
    sagaId: saga.id,
    type: saga.type,
    state: saga.state,
    step: saga.step ?? '',
    userId: saga.userId ?? '',
    attempts: saga.attempts,
    failureReason: saga.failureReason ?? '',
    createdAt: timestampFromDate(saga.createdAt),
    updatedAt: timestampFromDate(saga.updatedAt),
    history: history.map((entry) => ({
      step: entry.step,
      event: entry.event,
      detail: entry.detail,
      at: timestampFromDate(entry.at),
    })),
  };
}
