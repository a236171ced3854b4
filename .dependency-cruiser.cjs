/**
 * The house rules of the modular monolith, checked in CI:
 * modules talk to each other only through service.ts; core and drivers know no module;
 * the ffmpeg wrapper knows nothing of the app.
 */
module.exports = {
  forbidden: [
    {
      name: 'module-only-through-service',
      comment: 'A module may import another module only through its service.ts',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/([^/]+)/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/service\\.ts$'] },
    },
    {
      name: 'flows-only-through-service',
      comment: 'Flows compose modules through their services',
      severity: 'error',
      from: { path: '^src/flows/' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/(service|schema)\\.ts$' },
    },
    {
      name: 'core-and-drivers-know-no-module',
      severity: 'error',
      from: { path: '^src/(core|drivers)/' },
      to: { path: '^src/(modules|flows|http|app\\.ts|seed)' },
    },
    {
      name: 'ffmpeg-is-pure',
      severity: 'error',
      from: { path: '^src/ffmpeg/' },
      to: { path: '^src/(?!ffmpeg/)' },
    },
    {
      name: 'no-process-env-module',
      comment: 'config.ts is the one place that reads the environment (also linted)',
      severity: 'error',
      from: { path: '^src/(?!config\\.ts)' },
      to: { path: '^src/config\\.ts$', dependencyTypes: ['npm'] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
