// What a V8 CPU profile (node --cpu-prof) spent its time on: the top functions by self time, and
// self time summed by package (an npm package, a workspace package or service, Node's internals,
// the garbage collector). Idle time is left out of the percentages.
//   node bench/profile-summary.ts <file.cpuprofile> [top N, default 15]
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds from the previous sample to this one. */
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time, idle excluded, ms. */
  busyMs: number;
  idleMs: number;
  functions: (SelfTime & { where: string; package: string })[];
  packages: SelfTime[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** The package a script belongs to, from its URL. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node (internal)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (inModules?.[1]) return inModules[1];
  const inRepository = /^(packages|services|bench|scripts)\/([^/]+)/.exec(relative(root, path));
  if (inRepository)
    return inRepository[1] === 'packages' ? `@notes/${inRepository[2]}` : `${inRepository[1]}/${inRepository[2]}`;
  return path;
}

export function summarizeProfile(profile: CpuProfile, top: number): ProfileSummary {
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const functions = new Map<string, { name: string; where: string; package: string; micros: number }>();
  let idleMicros = 0;
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMicros += micros;
      continue;
    }
    const where =
      url === '' ? '' : `${relative(root, url.startsWith('file://') ? fileURLToPath(url) : url)}:${lineNumber + 1}`;
    const key = `${functionName}@${where}`;
    const entry = functions.get(key) ?? {
      name: functionName || '(anonymous)',
      where,
      package: packageOf(url, functionName),
      micros: 0,
    };
    entry.micros += micros;
    functions.set(key, entry);
  }
  const busyMicros = [...functions.values()].reduce((sum, entry) => sum + entry.micros, 0);
  const asSelfTime = (name: string, micros: number) => ({
    name,
    ms: Math.round(micros / 1000),
    percent: Number(((100 * micros) / busyMicros).toFixed(1)),
  });
  const byPackage = new Map<string, number>();
  for (const entry of functions.values())
    byPackage.set(entry.package, (byPackage.get(entry.package) ?? 0) + entry.micros);
  return {
    busyMs: Math.round(busyMicros / 1000),
    idleMs: Math.round(idleMicros / 1000),
    functions: [...functions.values()]
      .sort((a, b) => b.micros - a.micros)
      .slice(0, top)
      .map((entry) => ({ ...asSelfTime(entry.name, entry.micros), where: entry.where, package: entry.package })),
    packages: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => asSelfTime(name, micros)),
  };
}

export function renderProfileSummary(title: string, summary: ProfileSummary): string {
  return [
    `## ${title}: ${summary.busyMs} ms busy (${summary.idleMs} ms idle)`,
    '',
    '| self ms | % | function | package | where |',
    '| ---: | ---: | --- | --- | --- |',
    ...summary.functions.map((f) => `| ${f.ms} | ${f.percent} | ${f.name} | ${f.package} | ${f.where} |`),
    '',
    '| self ms | % | package |',
    '| ---: | ---: | --- |',
    ...summary.packages.map((p) => `| ${p.ms} | ${p.percent} | ${p.name} |`),
    '',
  ].join('\n');
}

if (import.meta.main) {
  const [file, top = '15'] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: node bench/profile-summary.ts <file.cpuprofile> [top N]');
    process.exit(2);
  }
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  process.stdout.write(renderProfileSummary(file, summarizeProfile(profile, Number(top))));
}
