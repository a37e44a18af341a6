import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { freePorts } from './ports.ts';
import { waitUntil } from './readiness.ts';
import { type ServerProcess, spawnServerProcess } from './server-process.ts';

export interface KafkaTopic {
  name: string;
  partitions: number;
}

/** The two listeners of one node: clients (PLAINTEXT) and the KRaft controller quorum. */
export interface KafkaNodePorts {
  port: number;
  controllerPort: number;
}

export interface LocalKafkaOptions {
  /**
   * The configuration and log of the node(s); formatted on first use, then kept between runs. A
   * single node keeps them in this folder, the nodes of a cluster each in node-<id>/ under it.
   */
  dataDir: string;
  /** The first node's client listener. */
  port: number;
  /** The first node's KRaft controller listener (a single node is its own single-voter controller). */
  controllerPort: number;
  /**
   * Further nodes (ids 2, 3…), each broker and controller like the first: a cluster whose
   * controller quorum is every node. With three nodes or more, topics (the platform's and Kafka's
   * internal ones) have three replicas and min.insync.replicas=2, so losing any one node loses no
   * acknowledged record and stops no producer with acks=all; with one node, one replica.
   */
  moreNodes?: readonly KafkaNodePorts[];
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
  /** The bootstrap list for clients: "127.0.0.1:port", one per node, comma-separated. */
  brokers: string;
  /** The bootstrap list of the SASL PLAIN listener, when asked for. */
  saslBrokers: string | undefined;
  /** The first node's JVM. */
  pid: number | undefined;
  /** Every node, the first first (fault tests kill, pause and restart one of them). */
  nodes: readonly LocalKafkaNode[];
  /** Where each partition of these topics is led and replicated now (a fresh metadata request). */
  partitions(topics: readonly string[]): Promise<KafkaPartitionPlacement[]>;
  /** The offsets a consumer group has committed on a topic, by partition (-1 where it has none). */
  committedOffsets(group: string, topic: string): Promise<Map<number, bigint>>;
  /** SIGTERM to every node (a controlled shutdown), then SIGKILL after graceMs; resolves once every JVM is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to every node at once (tests of broker failure); the data dirs stay usable. */
  kill(): Promise<void>;
}

/** One node of the cluster: broker and controller in one JVM. */
export interface LocalKafkaNode {
  /** Its node.id, 1 for the first. */
  id: number;
  /** Its client listener, "127.0.0.1:port". */
  address: string;
  /** The running JVM's pid; undefined while stopped. */
  pid(): number | undefined;
  /** SIGKILL at once (no controlled shutdown: its leaderships move only once the controller notices). */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** Starts it again on its data after kill() or stop(); resolves once it has registered. */
  start(): Promise<void>;
  /** SIGSTOP: the JVM stays, frozen, its connections open (a long GC pause, a stalled VM). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface KafkaPartitionPlacement {
  topic: string;
  partition: number;
  /** The leader's node id (-1 while none). */
  leader: number;
  replicas: number[];
  /** The in-sync replicas. */
  isr: number[];
}

const host = '127.0.0.1';
const root = join(import.meta.dirname, '..', '..', '..');
const execFileAsync = promisify(execFile);

/** What a node is given: its id, its ports, its folder, the cluster's voters and replication. */
interface NodePlan extends KafkaNodePorts {
  id: number;
  dataDir: string;
  voters: string;
  replication: { factor: number; minInsync: number };
  saslPlain: LocalKafkaOptions['saslPlain'];
}

/**
 * Real Apache Kafka (KRaft, each node broker and controller, PLAINTEXT on 127.0.0.1): one node, or a
 * cluster with moreNodes, run from the jars that scripts/fetch-kafka.sh puts under .tools/ (fetched
 * on first use; needs Java 17+: JAVA_HOME or `java` on the PATH). Calling it again with the same
 * options after stop() or kill() starts the same nodes again on their kept data. No JVM outlives
 * this process.
 */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const log = options.onLog ?? (() => undefined);
  const ports = [{ port: options.port, controllerPort: options.controllerPort }, ...(options.moreNodes ?? [])];
  if (ports.length > 1 && options.saslPlain) throw new Error('startLocalKafka: saslPlain is for a single node');
  const replication = ports.length >= 3 ? { factor: 3, minInsync: 2 } : { factor: 1, minInsync: 1 };
  const voters = ports.map(({ controllerPort }, index) => `${index + 1}@${host}:${controllerPort}`).join(',');
  const plans: NodePlan[] = ports.map((nodePorts, index) => ({
    ...nodePorts,
    id: index + 1,
    dataDir: ports.length === 1 ? options.dataDir : join(options.dataDir, `node-${index + 1}`),
    voters,
    replication,
    saslPlain: options.saslPlain,
  }));
  const kafkaHome = await fetchKafka(log);
  await formatStorage(kafkaHome, plans, log);
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const nodes = plans.map((plan) =>
    localNode(kafkaHome, plan, readyTimeoutMs, ports.length === 1 ? log : prefixed(plan.id, log)),
  );
  const brokers = nodes.map((node) => node.address).join(',');
  const stop = async (graceMs = 10_000) => {
    await Promise.all(nodes.map((node) => node.stop(graceMs)));
  };
  try {
    // At once: a node of a cluster finishes starting only once a majority of the quorum runs.
    await Promise.all(nodes.map((node) => node.start()));
    await ensureTopics(brokers, options.topics ?? [], replication, log);
  } catch (error) {
    await stop(0);
    throw error;
  }
  return {
    brokers,
    saslBrokers: options.saslPlain && `${host}:${options.saslPlain.port}`,
    pid: nodes[0]?.pid(),
    nodes,
    partitions: (topics) => partitionPlacements(brokers, topics),
    committedOffsets: (group, topic) => committedOffsets(brokers, group, topic),
    stop,
    kill: () => stop(0),
  };
}

/** Free ports for a node, or for a cluster of nodes (its moreNodes), as startLocalKafka takes them. */
export async function freeKafkaPorts(nodes = 1): Promise<KafkaNodePorts & { moreNodes: KafkaNodePorts[] }> {
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`a Kafka cluster of ${nodes} nodes?`);
  const free = await freePorts(2 * nodes);
  const [first, ...more] = Array.from({ length: nodes }, (_, node) => ({
    port: free[2 * node] as number,
    controllerPort: free[2 * node + 1] as number,
  })) as [KafkaNodePorts, ...KafkaNodePorts[]];
  return { ...first, moreNodes: more };
}

const prefixed =
  (id: number, log: (line: string) => void) =>
  (line: string): void =>
    log(`[node ${id}] ${line}`);

/** Formats the storage of every node not formatted yet, with the cluster id the others already have. */
async function formatStorage(kafkaHome: string, plans: readonly NodePlan[], log: (line: string) => void) {
  const metaFile = (plan: NodePlan) => join(plan.dataDir, 'kraft-combined-logs', 'meta.properties');
  const unformatted = plans.filter((plan) => !existsSync(metaFile(plan)));
  const formatted = plans.find((plan) => existsSync(metaFile(plan)));
  // The id Kafka's own `random-uuid` would print (base64url of 16 random bytes), made here to save a
  // JVM start; like Kafka, never one starting with '-' (it reads as an option).
  let clusterId =
    formatted === undefined
      ? randomBytes(16).toString('base64url')
      : /^cluster\.id=(.+)$/m.exec(await readFile(metaFile(formatted), 'utf8'))?.[1];
  while (clusterId === undefined || clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  await Promise.all(
    unformatted.map(async (plan) => {
      const { serverProperties, log4jProperties } = await writeNodeConfig(plan);
      const format = java([
        ...jvmArgs(kafkaHome, log4jProperties),
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        serverProperties,
      ]);
      const { stdout, stderr } = await execFileAsync(format.command, format.args).catch(
        (error: Error & { stdout?: string }) => {
          throw new Error(
            `formatting the Kafka storage in ${plan.dataDir} failed: ${error.stdout || ''}${error.message}`,
          );
        },
      );
      for (const line of `${stdout}${stderr}`.split('\n')) if (line) log(line);
    }),
  );
}

/** Writes a node's server.properties and log4j2.properties (on every start: they follow the options). */
async function writeNodeConfig(plan: NodePlan): Promise<{ serverProperties: string; log4jProperties: string }> {
  const serverProperties = join(plan.dataDir, 'server.properties');
  const log4jProperties = join(plan.dataDir, 'log4j2.properties');
  await mkdir(plan.dataDir, { recursive: true });
  await writeFile(serverProperties, brokerConfig(plan, join(plan.dataDir, 'kraft-combined-logs')));
  await writeFile(log4jProperties, log4jConfig);
  return { serverProperties, log4jProperties };
}

/** A node that is started (again) by start(), on its kept data. */
function localNode(
  kafkaHome: string,
  plan: NodePlan,
  readyTimeoutMs: number,
  log: (line: string) => void,
): LocalKafkaNode {
  let jvm: ServerProcess | undefined;
  const signal = (name: NodeJS.Signals) => {
    if (jvm?.pid !== undefined) process.kill(jvm.pid, name);
  };
  const stop = async (graceMs = 10_000) => {
    // A paused JVM acts on no signal but SIGKILL.
    signal('SIGCONT');
    await jvm?.stop(graceMs);
    jvm = undefined;
  };
  return {
    id: plan.id,
    address: `${host}:${plan.port}`,
    pid: () => jvm?.pid,
    kill: () => stop(0),
    stop,
    async start() {
      await stop(0);
      const { serverProperties, log4jProperties } = await writeNodeConfig(plan);
      const started = spawnServerProcess({
        name: plan.id === 1 ? 'Kafka' : `Kafka node ${plan.id}`,
        ...java([...jvmArgs(kafkaHome, log4jProperties), 'kafka.Kafka', serverProperties]),
        readyLine: 'Kafka Server started',
        stopSignal: 'SIGTERM',
        log,
      });
      jvm = started;
      await started.started(readyTimeoutMs);
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
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

function brokerConfig(plan: NodePlan, logDir: string): string {
  const { factor, minInsync } = plan.replication;
  const settings: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': plan.id,
    // A static voter set (not the dynamic quorum of `format --standalone`): the controllers'
    // addresses are read from here on every start instead of being written into the metadata log.
    'controller.quorum.voters': plan.voters,
    listeners: `PLAINTEXT://${host}:${plan.port},CONTROLLER://${host}:${plan.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${plan.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    ...(plan.saslPlain && saslPlainListener(plan, plan.saslPlain)),
    'log.dirs': logDir,
    // Every internal topic is replicated as the platform's topics are (one node: a single replica).
    'offsets.topic.replication.factor': factor,
    'transaction.state.log.replication.factor': factor,
    'transaction.state.log.min.isr': minInsync,
    'share.coordinator.state.topic.replication.factor': factor,
    'share.coordinator.state.topic.min.isr': minInsync,
    'default.replication.factor': factor,
    'min.insync.replicas': minInsync,
    // 50 partitions each by default: fewer make the first consumer group and transaction start quicker.
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.num.partitions': 4,
    'share.coordinator.state.topic.num.partitions': 4,
    // After a SIGKILL the restarted broker cannot register again until the controller has expired
    // its previous session: 9 s by default, 3 s here (heartbeats every 0.5 s instead of 2 s). In a
    // cluster the same timeout moves a killed node's leaderships to the others.
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
  options: KafkaNodePorts,
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

/**
 * Creates the missing topics (replicated as the cluster allows, min.insync.replicas with them) and
 * waits until every partition of each has a leader (clients can use it).
 */
async function ensureTopics(
  brokers: string,
  topics: KafkaTopic[],
  replication: NodePlan['replication'],
  log: (line: string) => void,
): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Admin({ clientId: 'local-infra', bootstrapBrokers: brokers.split(',') });
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter(({ name }) => !existing.has(name))) {
      await admin.createTopics({
        topics: [topic.name],
        partitions: topic.partitions,
        replicas: replication.factor,
        configs: [{ name: 'min.insync.replicas', value: String(replication.minInsync) }],
      });
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

async function partitionPlacements(brokers: string, topics: readonly string[]): Promise<KafkaPartitionPlacement[]> {
  const admin = new Admin({ clientId: 'local-infra', bootstrapBrokers: brokers.split(',') });
  try {
    const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true });
    return topics.flatMap((topic) =>
      (metadata.topics.get(topic)?.partitions ?? []).map(({ leader, replicas, isr }, partition) => ({
        topic,
        partition,
        leader,
        replicas,
        isr,
      })),
    );
  } finally {
    await admin.close();
  }
}

async function committedOffsets(brokers: string, group: string, topic: string): Promise<Map<number, bigint>> {
  const admin = new Admin({ clientId: 'local-infra', bootstrapBrokers: brokers.split(',') });
  try {
    const [found] = await admin.listConsumerGroupOffsets({ groups: [group] });
    const partitions = found?.topics.find(({ name }) => name === topic)?.partitions ?? [];
    return new Map(partitions.map(({ partitionIndex, committedOffset }) => [partitionIndex, committedOffset]));
  } finally {
    await admin.close();
  }
}
