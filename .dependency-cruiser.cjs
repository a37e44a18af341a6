// Import boundaries (docs/conventions.md). `make lint` fails on any violation.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'service-imports-another-service',
      comment: 'Services talk over gRPC and Kafka, never through each other’s code.',
      severity: 'error',
      from: { path: '^services/([^/]+)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'package-imports-a-service',
      comment: 'packages/ hold infrastructure that services use, not the other way round.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds rules only: no I/O, no frameworks, nothing outside domain/.',
      severity: 'error',
      from: { path: '^services/([^/]+)/src/domain/' },
      to: { pathNot: ['^services/$1/src/domain/'] },
    },
    {
      name: 'app-depends-on-domain-only',
      comment: 'Use cases declare the ports they need; adapters implement them, compose.ts wires them.',
      severity: 'error',
      from: { path: '^services/([^/]+)/src/app/' },
      to: { path: ['^services/$1/src/(?!app/|domain/)', '^packages/'] },
    },
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'An adapter talks to one thing; compose.ts connects them.',
      severity: 'error',
      from: { path: '^services/([^/]+)/src/(db|grpc|http|kafka|crypto|outbox)/' },
      to: { path: '^services/$1/src/(db|grpc|http|kafka|crypto|outbox)/', pathNot: '^services/$1/src/$2/' },
    },
    {
      name: 'only-the-entry-and-tests-use-the-composition-root',
      severity: 'error',
      from: { path: '^services/([^/]+)/src/', pathNot: '^services/[^/]+/src/main\\.ts$' },
      to: { path: '^services/$1/src/(compose|main)\\.ts$' },
    },
    {
      name: 'nothing-imports-main',
      severity: 'error',
      from: {},
      to: { path: '^services/[^/]+/src/main\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: {
      path: ['(^|/)node_modules/', '(^|/)dist-types/', '^packages/contracts/src/gen/', '^packages/api-client/src/gen/'],
    },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
