import { Admin } from '@platformatic/kafka';
import type { KafkaConnection } from './connection.ts';
import { brokerList } from './dlq.ts';

export interface KafkaProbe {
  /** Resolves when a broker answers a metadata request (asked afresh, never from a cache). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** A readiness check of the Kafka cluster: one metadata request on a connection kept for it. */
export function createKafkaProbe(options: {
  brokers: string | readonly string[];
  clientId: string;
  connection?: KafkaConnection;
}): KafkaProbe {
  const admin = new Admin({
    clientId: options.clientId,
    bootstrapBrokers: brokerList(options.brokers),
    ...options.connection,
    // A probe answers quickly either way: no retries, short timeouts.
    retries: 0,
    timeout: 1_500,
    connectTimeout: 1_500,
  });
  return {
    async check() {
      await admin.metadata({ topics: [], forceUpdate: true });
    },
    close: () => admin.close(),
  };
}
