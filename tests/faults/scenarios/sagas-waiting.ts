// A state several scenarios start from: SignUpSagas that wait for their participant's reply.

import type { FaultContext } from '../observation.ts';
import { sleep } from '../observation.ts';
import { runWorkload, type WorkloadResult } from '../workload.ts';

/** notes-service stopped, then users signed up: their SignUpSagas wait for the reply to CreateWelcomeNote. */
export async function sagasWaitingForNotes(context: FaultContext, users: number): Promise<WorkloadResult> {
  await context.platform.stopService('notes');
  const signedUp = await runWorkload(context.target, { users, updatesPerNote: undefined, concurrency: 4 });
  // The orchestrator reads the UserCreated events and sends CreateWelcomeNote: then the sagas wait.
  await sleep(2_000);
  return signedUp;
}
