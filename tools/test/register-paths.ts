import * as path from 'node:path';
import { register } from 'tsconfig-paths';

// Jest's moduleNameMapper does not apply to global set-up files; this makes `@tollgate/*` resolve
// there too, to the same sources the tests use.
const root = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
register({ baseUrl: root, paths: compilerOptions.paths });
