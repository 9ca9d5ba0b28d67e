// typescript-eslint's recommended rules over every TypeScript file; formatting is Prettier's job.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      // `const { pk: _pk, ...rest } = item` drops a field on purpose; `_x` marks a parameter a
      // signature requires but this implementation does not read.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // `import { z } from 'zod'` keeps all of zod's locales in a function's bundle (about 260 KB);
  // the namespace import lets esbuild drop them, and the English messages stay.
  {
    files: ['lambdas/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z'][importKind!='type']",
          message: "import * as z from 'zod': the named import bundles every locale",
        },
      ],
    },
  },
  // Tests take apart synthesized templates, metrics and hand-made bad documents: arbitrary JSON.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Jest loads its transformer as CommonJS.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
