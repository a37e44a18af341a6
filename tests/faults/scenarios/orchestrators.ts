// The saga-orchestrator lost in the middle of sagas.

import { checkEffectsOnce, observeWorkload, type Scenario } from '../observation.ts';
import { sagasWaitingForNotes } from './sagas-waiting.ts';

export const orchestratorKilled: Scenario = {
  name: 'orchestrator killed mid-saga',
  passCondition: 'every saga completes after the restart, with exactly one welcome note per user',
  async run(context, size) {
    const signedUp = await sagasWaitingForNotes(context, size === 'short' ? 4 : 12);
    await context.platform.stopService('saga', { kill: true });
    await context.platform.startService('notes');
    await context.platform.startService('saga');
    return observeWorkload(
      context,
      `notes-service stopped, ${signedUp.users.length} sign-ups, SIGKILL saga-orchestrator, both back`,
      signedUp,
      await checkEffectsOnce(context, signedUp.users),
    );
  },
};
