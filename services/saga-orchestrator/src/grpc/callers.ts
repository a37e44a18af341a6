// Who may call each method of SagaService (mutual TLS identities, docs/security.md): the BFF starts
// a user's deletion and reads its saga; the admin methods are the operator's alone (the saga CLI).
import { SagaService } from '@notes/contracts/saga/v1';
import { allowCallers, callers } from '@notes/grpc';

const { bffRest, operator } = callers;

export const sagaServiceCallers = allowCallers(SagaService, {
  startDeleteUserSaga: [bffRest],
  getSaga: [bffRest, operator],
  listSagas: [operator],
  retrySaga: [operator],
  cancelSaga: [operator],
});
