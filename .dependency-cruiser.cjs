/**
 * Direction rules from ARCHITECTURE.md: core → nothing of ours; store → core; access → core + store;
 * broker → core + access; ingest, models → core + store;
 * edge → core only (it runs on a device); api may use everything below it; cli is the composition root.
 * A module is used from outside only through its index.ts.
 */
const mod = (name) => `^${name}/`;
const only = (from, allowed) => ({
  name: `${from}-imports-only-${allowed.join('-') || 'itself'}`,
  severity: 'error',
  from: { path: mod(from), pathNot: '\\.test\\.ts$' },
  to: {
    path: '^(core|store|access|broker|ingest|models|edge|api|cli|test|bench)/',
    pathNot: [mod(from), ...allowed.map(mod)],
  },
});

module.exports = {
  forbidden: [
    only('core', []),
    only('store', ['core']),
    only('access', ['core', 'store']),
    only('broker', ['core', 'access']),
    only('ingest', ['core', 'store']),
    only('models', ['core', 'store']),
    only('edge', ['core']),
    only('api', ['core', 'store', 'access', 'broker', 'ingest', 'models']),
    {
      name: 'cross-module-only-through-index',
      severity: 'error',
      comment: 'Another module is used only through its index.ts (STYLE.md rule 1).',
      from: { path: '^(core|store|access|broker|ingest|models|edge|api|cli|test|bench)/' },
      to: {
        path: '^(core|store|access|broker|ingest|models|edge|api|cli)/.+',
        pathNot: ['^$1/', '^[a-z]+/index\\.ts$'],
      },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-dev-deps-in-product',
      severity: 'error',
      from: { path: '^(core|store|access|broker|ingest|models|edge|api|cli)/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
