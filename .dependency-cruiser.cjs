/**
 * The import rules of src/ (run by `npm run lint`): no import circle between files, so every module
 * stands on a floor above what it imports. Type-only imports count too: a circle of types is a circle
 * of meaning.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle: move the shared piece (a type, a constant) to a leaf module both import.',
      from: { path: '^src' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
