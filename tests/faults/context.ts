// The platform the fault scenarios run on: three Kafka nodes of its own and every service a
// process, on fresh databases of the PostgreSQL server the caller names (TEST_POSTGRES_URL).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestPlatform } from '../e2e/platform.ts';
import { startThreeNodeKafka } from './cluster.ts';
import type { FaultContext } from './observation.ts';

/** The platform's settings for the scenarios: they write from one address faster than its per-address limit allows. */
export const faultPlatformEnv: Readonly<Record<string, string>> = { RATE_LIMIT_PER_IP_MAX: '1000000' };

export interface RunningFaultContext extends FaultContext {
  close(): Promise<void>;
}

export async function startFaultContext(postgres: FaultContext['postgres'] = undefined): Promise<RunningFaultContext> {
  const scratch = await mkdtemp(join(tmpdir(), 'notes-faults-kafka-'));
  const kafka = await startThreeNodeKafka(scratch);
  const cleanUp = async () => {
    await kafka.stop();
    await rm(scratch, { recursive: true, force: true });
  };
  const platform = await startTestPlatform({ kafkaBrokers: kafka.brokers, env: { ...faultPlatformEnv } }).catch(
    async (error: unknown) => {
      await cleanUp();
      throw error;
    },
  );
  return {
    platform,
    kafka,
    postgres,
    target: {
      bffUrl: platform.bffUrl,
      sagaGrpcUrl: platform.grpcUrl('saga'),
      grpcClientTls: platform.grpcClientTls,
    },
    async close() {
      await platform.close();
      await cleanUp();
    },
  };
}
