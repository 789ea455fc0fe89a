/** What the demo seeders share: filled in order (identity first), each adding banner lines. */
export interface DemoContext {
  gatewayUrl: string;
  operatorToken: string;
  instanceId: string;
  /** Set by the identity seeder: an organization key with every scope, and a personal admin key. */
  organizationKey?: string;
  personalKey?: string;
  adminEmail?: string;
  adminPassword?: string;
  lines: string[];
}
