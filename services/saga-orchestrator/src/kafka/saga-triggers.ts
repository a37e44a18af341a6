import { fromBinary } from '@bufbuild/protobuf';
import { UserCreatedSchema } from '@notes/contracts/common/v1';
import { eventTypes } from '@notes/contracts/names';
import type { ConsumedEvent } from '@notes/kafka';
import type { StartSagaRequest } from '@notes/saga';
import { signUpSaga } from '../domain/sagas.ts';

/** The saga an event of auth.events starts: a SignUpSaga for each auth.UserCreated; nothing for the others. */
export function sagaStartedBy(event: ConsumedEvent): StartSagaRequest | undefined {
  if (event.type !== eventTypes.UserCreated) return undefined;
  const { userId } = fromBinary(UserCreatedSchema, event.payload);
  return { type: signUpSaga.type, userId };
}
