/** What the demo seeders share: filled in order (identity first), each adding banner lines. */
export interface DemoContext {
  gatewayUrl: string;
  operatorToken: string;
  instanceId: string;
  /** Where the demo keeps its admin password and keys between starts (see DemoState); none: nothing is kept. */
  stateFile?: string;
  /** Set by the identity seeder: an organization key with every scope, and a personal admin key. */
  organizationKey?: string;
  personalKey?: string;
  adminEmail?: string;
  adminPassword?: string;
  /** Set by the query seeder: the email of each user responsible for demo actions, by user id. */
  directory?: Record<string, string>;
  lines: string[];
}
