// Who may call each method of AuthService (mutual TLS identities, docs/security.md): the BFF for
// the public account routes, the saga orchestrator for what a deletion saga asks.
import { AuthService } from '@notes/contracts/auth/v1';
import { allowCallers, callers } from '@notes/grpc';

const { bffRest, sagaOrchestrator } = callers;

export const authServiceCallers = allowCallers(AuthService, {
  signUp: [bffRest],
  signIn: [bffRest],
  refresh: [bffRest],
  signOut: [bffRest],
  getJwks: [bffRest],
  beginUserDeletion: [sagaOrchestrator],
  deleteUser: [sagaOrchestrator],
});
