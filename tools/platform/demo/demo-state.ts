import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHmac } from 'node:crypto';

/**
 * What the demo keeps from one start to the next, beside the platform's secrets (owner-only): the
 * admin's password and the demo keys, which the platform itself keeps only as hashes. Keys a
 * client was given on one start keep working on the next, and a later OPERATOR_TOKEN changes
 * neither.
 */
export interface DemoState {
  adminPassword?: string;
  organizationKey?: string;
  personalKey?: string;
}

export function readDemoState(file: string | undefined): DemoState {
  return file && fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as DemoState) : {};
}

export function writeDemoState(file: string | undefined, state: DemoState): void {
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/**
 * The admin's password: the one kept, else the one the first start gave it (derived from the
 * operator token then in use, as starts before the demo kept a state did).
 */
export const demoAdminPassword = (state: DemoState, operatorToken: string): string =>
  state.adminPassword ?? createHmac('sha256', operatorToken).update('tollgate-demo-admin').digest('base64url').slice(0, 16);
