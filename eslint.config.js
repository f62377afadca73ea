import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.local/**', '**/.turbo/**'] },
  eslint.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      // A composition root binds a handler before the service it calls exists (late binding).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benchmarks may assert presence with `!`: a wrong guess fails the test anyway.
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Kafka is reached only through packages/kafka, Tally's own port: kafkajs is unmaintained
    // upstream, and a library's types leaking past its adapter would make it hard to replace.
    files: ['**/*.ts'],
    ignores: ['packages/kafka/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kafkajs', message: 'use @tally/kafka (Tally’s port to Kafka) instead' }],
        },
      ],
    },
  },
  {
    // The pure domain has no I/O: no Node built-ins, no environment, no clock.
    files: ['packages/ledger/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'kafkajs', 'express'] }],
      'no-restricted-globals': ['error', 'process'],
    },
  },
);
