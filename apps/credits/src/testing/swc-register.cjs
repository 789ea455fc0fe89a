/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload script */
// Lets a test spawn a service straight from its TypeScript sources (decorator metadata included),
// as the same compiler the test runner uses, so a crash test needs no separate build.
const path = require('node:path');
const { addHook } = require('pirates');
const { transformSync } = require('@swc/core');
const { register } = require('tsconfig-paths');

const root = path.resolve(__dirname, '..', '..', '..', '..');
register({ baseUrl: root, paths: require(path.join(root, 'tsconfig.base.json')).compilerOptions.paths });

const options = require(path.join(root, 'tools', 'test', 'swc-options.cjs'));

addHook((code, filename) => transformSync(code, { ...options, filename }).code, { exts: ['.ts'], ignoreNodeModules: true });
