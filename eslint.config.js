import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  // The web console runs in the browser.
  { files: ['console/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['cli/**', 'bench/**', 'scripts/**', 'test/**', '**/*.test.ts'], rules: { 'no-console': 'off' } },
);
