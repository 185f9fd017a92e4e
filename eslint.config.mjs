// npm run lint (part of npm test): typescript-eslint's recommended rules with type information, so that a
// promise nobody awaits or catches (no-floating-promises, no-misused-promises) fails the build.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'plugins/**', '**/fixtures/**', 'test/dns/recordings/**']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // tsconfig.test.json is the one that includes test/ as well as src/.
      parserOptions: {project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname},
    },
    rules: {
      // `interface A extends B {}` names a type for readers; it is not a mistake.
      '@typescript-eslint/no-empty-object-type': ['error', {allowInterfaces: 'with-single-extends'}],
      // Async methods that implement an async interface (oclif's catch, a plugin's load, test doubles) need no await.
      '@typescript-eslint/require-await': 'off',
      // tsc's noUnusedLocals covers src/; this also covers test/ and unused parameters, `_name` marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {allowForKnownSafeCalls: [{from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite']}]},
      ],
      // Tests read JSON (the CLI's output, recordings) as `any` and assert on its shape; typing every read would
      // add casts, not checks.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
)
