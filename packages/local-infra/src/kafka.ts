import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { waitUntil } from './readiness.ts';
import { spawnServerProcess } from './server-process.ts';

export interface KafkaTopic {
  name: string;
  partitions: number;
}

export interface LocalKafkaOptions {
  /** The broker's configuration and log; formatted on first use, then kept between runs. */
  dataDir: string;
  port: number;
  /** The KRaft controller listener: the broker is its own single-voter controller. */
  controllerPort: number;
  /** Created when missing; an existing topic is left as it is. */
  topics?: KafkaTopic[];
  /**
   * A second listener on this port that takes only clients authenticated with SASL PLAIN (no TLS:
   * SASL_PLAINTEXT), as one of users (name → password); tests of the clients' SASL settings.
   */
  saslPlain?: { port: number; users: Record<string, string> };
  onLog?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface LocalKafka {
  /** The bootstrap list for clients: "127.0.0.1:port". */
  brokers: string;
  /** The bootstrap list of the SASL PLAIN listener, when asked for. */
  saslBrokers: string | undefined;
  pid: number | undefined;
  /** SIGTERM (a controlled shutdown), then SIGKILL after graceMs; resolves once the JVM is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (tests of broker failure); the data dir stays usable. */
  kill(): Promise<void>;
}

const host = '127.0.0.1';
const root = join(import.meta.dirname, '..', '..', '..');
const execFileAsync = promisify(execFile);

/**
 * A real Apache Kafka broker (single node, KRaft combined broker + controller, PLAINTEXT on 127.0.0.1),
 * run from the jars that scripts/fetch-kafka.sh puts under .tools/ (fetched on first use; needs Java 17+:
 * JAVA_HOME or `java` on the PATH). Calling it again with the same options after stop() or kill()
 * starts the same broker again on its kept data. The JVM never outlives this process.
 */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const log = options.onLog ?? (() => undefined);
  const kafkaHome = await fetchKafka(log);
  const logDir = join(options.dataDir, 'kraft-combined-logs');
  const serverProperties = join(options.dataDir, 'server.properties');
  const log4jProperties = join(options.dataDir, 'log4j2.properties');
  await mkdir(options.dataDir, { recursive: true });
  // Written on every start, so the ports and settings always follow the options.
  await writeFile(serverProperties, brokerConfig(options, logDir));
  await writeFile(log4jProperties, log4jConfig);
  const jvm = jvmArgs(kafkaHome, log4jProperties);

  if (!existsSync(join(logDir, 'meta.properties'))) {
    // The id Kafka's own `random-uuid` would print (base64url of 16 random bytes), made here to
    // save a JVM start; like Kafka, never one starting with '-' (it reads as an option).
    let clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
    const format = java([
      ...jvm,
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      serverProperties,
    ]);
    const { stdout, stderr } = await execFileAsync(format.command, format.args).catch(
      (error: Error & { stdout?: string }) => {
        throw new Error(`formatting the Kafka storage in ${logDir} failed: ${error.stdout || ''}${error.message}`);
      },
    );
    for (const line of `${stdout}${stderr}`.split('\n')) if (line) log(line);
  }

  const broker = spawnServerProcess({
    name: 'Kafka',
    ...java([...jvm, 'kafka.Kafka', serverProperties]),
    readyLine: 'Kafka Server started',
    stopSignal: 'SIGTERM',
    log,
  });
  const brokers = `${host}:${options.port}`;
  try {
    await broker.started(options.readyTimeoutMs ?? 60_000);
    await ensureTopics(brokers, options.topics ?? [], log);
  } catch (error) {
    await broker.stop(0);
    throw error;
  }
  return {
    brokers,
    saslBrokers: options.saslPlain && `${host}:${options.saslPlain.port}`,
    pid: broker.pid,
    stop: (graceMs = 10_000) => broker.stop(graceMs),
    kill: () => broker.stop(0),
  };
}

/** The Kafka folder under .tools/, fetched by scripts/fetch-kafka.sh when missing (quick when present). */
async function fetchKafka(log: (line: string) => void): Promise<string> {
  const { stdout, stderr } = await execFileAsync(join(root, 'scripts', 'fetch-kafka.sh'), ['--print-dir'], {
    cwd: root,
  }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`scripts/fetch-kafka.sh failed: ${error.stderr || error.message}`);
  });
  for (const line of stderr.split('\n')) if (line) log(line);
  return stdout.trim();
}

function brokerConfig(options: LocalKafkaOptions, logDir: string): string {
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    // A static voter set (not the dynamic quorum of `format --standalone`): the controller's
    // address is read from here on every start instead of being written into the metadata log.
    'controller.quorum.voters': `1@${host}:${options.controllerPort}`,
    listeners: `PLAINTEXT://${host}:${options.port},CONTROLLER://${host}:${options.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${options.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    ...(options.saslPlain && saslPlainListener(options, options.saslPlain)),
    'log.dirs': logDir,
    // One broker: every internal topic has a single replica.
    'offsets.topic.replication.factor': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    // 50 partitions each by default: fewer make the first consumer group and transaction start quicker.
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.num.partitions': 4,
    // After a SIGKILL the restarted broker cannot register again until the controller has expired
    // its previous session: 9 s by default, 3 s here (heartbeats every 0.5 s instead of 2 s).
    'broker.heartbeat.interval.ms': 500,
    'broker.session.timeout.ms': 3000,
    // A lone consumer is assigned its partitions at once instead of after 3 s.
    'group.initial.rebalance.delay.ms': 0,
    // Groups of the consumer protocol (KIP-848) get what the classic ones get from our clients: a
    // silent member's partitions move after 10 s (45 s by default), heartbeats every 3 s.
    'group.consumer.min.session.timeout.ms': 10000,
    'group.consumer.session.timeout.ms': 10000,
    'group.consumer.min.heartbeat.interval.ms': 1000,
    'group.consumer.heartbeat.interval.ms': 3000,
    'num.partitions': 1,
    // Topics exist because someone declared them (the topics option), never by a typo in a producer.
    'auto.create.topics.enable': false,
  };
  return `${Object.entries(settings)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/** The settings that add a SASL_PLAINTEXT listener with the PLAIN mechanism and these users. */
function saslPlainListener(
  options: LocalKafkaOptions,
  sasl: { port: number; users: Record<string, string> },
): Record<string, string> {
  const users = Object.entries(sasl.users)
    .map(([name, password]) => `user_${name}=${JSON.stringify(password)}`)
    .join(' ');
  return {
    listeners: `PLAINTEXT://${host}:${options.port},SASL_PLAINTEXT://${host}:${sasl.port},CONTROLLER://${host}:${options.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${options.port},SASL_PLAINTEXT://${host}:${sasl.port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'sasl.enabled.mechanisms': 'PLAIN',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${users};`,
  };
}

// Warnings and errors only, plus the one line that says the broker is up (startLocalKafka waits
// for it). No shutdown hook: Kafka logs while it shuts down, after log4j's own hook would have run.
const log4jConfig = `status = warn
shutdownHook = disable
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = console
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
`;

function jvmArgs(kafkaHome: string, log4jProperties: string): string[] {
  return [
    '-Xms256m',
    '-Xmx512m',
    // The GC settings of Kafka's own start script.
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:InitiatingHeapOccupancyPercent=35',
    // C1 only. Measured on 2 cores: start-up 2.0 s → 1.4 s and the same producer throughput, since
    // C2's warm-up competes for the cores in runs of this length.
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4jProperties}`,
    '-cp',
    join(kafkaHome, 'libs', '*'),
  ];
}

/** The JVM of a broker or a Kafka tool, with the java of JAVA_HOME or the PATH. */
function java(args: string[]): { command: string; args: string[] } {
  return { command: process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java', args };
}

/** Creates the missing topics and waits until every partition of each has a leader (clients can use it). */
async function ensureTopics(brokers: string, topics: KafkaTopic[], log: (line: string) => void): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Admin({ clientId: 'local-infra', bootstrapBrokers: [brokers] });
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter(({ name }) => !existing.has(name))) {
      await admin.createTopics({ topics: [topic.name], partitions: topic.partitions, replicas: 1 });
    }
    const names = topics.map(({ name }) => name);
    await waitUntil(
      'Kafka topics',
      async () => {
        const metadata = await admin.metadata({ topics: names, forceUpdate: true });
        return names.every((name) => metadata.topics.get(name)?.partitions.every((partition) => partition.leader >= 0));
      },
      10_000,
    );
    const metadata = await admin.metadata({ topics: names });
    for (const topic of topics) {
      const partitions = metadata.topics.get(topic.name)?.partitionsCount;
      if (partitions !== topic.partitions) {
        log(`topic ${topic.name} has ${partitions} partitions, not ${topic.partitions}: left as it is`);
      }
    }
  } finally {
    await admin.close();
  }
}
