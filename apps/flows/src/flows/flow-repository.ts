import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '@tollgate/event-sourcing';
import type { FlowDefinition } from './flow-definition';

interface FlowRow {
  flow_id: string;
  instance_id: string;
  app: string;
  name: string;
  description: string;
  mode: 'sync' | 'async';
  timeout_ms: number | null;
  allow_anonymous: boolean;
  groups: string[];
  steps: FlowDefinition['steps'];
  version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * The columns a definition is built from, named: a prepared `SELECT *` fails once a migration
 * adds a column while the statement is still prepared (a rolling upgrade).
 */
const FLOW_COLUMNS = `flow_id, instance_id, app, name, description, mode, timeout_ms, allow_anonymous, groups, steps, version, created_at, updated_at`;

const toDefinition = (r: FlowRow): FlowDefinition => ({
  flowId: r.flow_id,
  instanceId: r.instance_id,
  app: r.app,
  name: r.name,
  description: r.description,
  mode: r.mode,
  ...(r.timeout_ms !== null ? { timeoutMs: r.timeout_ms } : {}),
  allowAnonymous: r.allow_anonymous,
  groups: r.groups,
  steps: r.steps,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Reads of the flows read model; always scoped to one instance except the webhook-token lookup. */
@Injectable()
export class FlowRepository {
  constructor(private readonly dataSource: DataSource) {}

  async byId(instanceId: string, flowId: string): Promise<FlowDefinition | undefined> {
    const rows = await queryPrepared<FlowRow>(this.dataSource, `SELECT ${FLOW_COLUMNS} FROM flows WHERE instance_id = $1 AND flow_id = $2`, [instanceId, flowId]);
    return rows[0] && toDefinition(rows[0]);
  }

  async list(instanceId: string, app?: string): Promise<FlowDefinition[]> {
    const rows: FlowRow[] = await this.dataSource.query(
      `SELECT * FROM flows WHERE instance_id = $1 AND ($2::text IS NULL OR app = $2) ORDER BY app, name`,
      [instanceId, app ?? null],
    );
    return rows.map(toDefinition);
  }

  /** The flow called `name`; without an app, only when one app of the instance has a flow of that name. */
  async byName(instanceId: string, name: string, app?: string): Promise<FlowDefinition[]> {
    const rows = await queryPrepared<FlowRow>(
      this.dataSource,
      `SELECT ${FLOW_COLUMNS} FROM flows WHERE instance_id = $1 AND name = $2 AND ($3::text IS NULL OR app = $3) LIMIT 2`,
      [instanceId, name, app ?? null],
    );
    return rows.map(toDefinition);
  }

  async byToken(token: string): Promise<FlowDefinition | undefined> {
    const rows: FlowRow[] = await this.dataSource.query(
      `SELECT f.* FROM flow_tokens t JOIN flows f ON f.flow_id = t.flow_id WHERE t.token_hash = $1`,
      [hashToken(token)],
    );
    return rows[0] && toDefinition(rows[0]);
  }

  /**
   * The flow a webhook token was given to, and its instance, even once the flow is deleted (its
   * runs stay readable with the token that started them).
   */
  async tokenOwner(token: string): Promise<{ flowId: string; instanceId: string } | undefined> {
    const rows: { flow_id: string; instance_id: string }[] = await this.dataSource.query(
      `SELECT flow_id, instance_id FROM flow_tokens WHERE token_hash = $1`,
      [hashToken(token)],
    );
    return rows[0] && { flowId: rows[0].flow_id, instanceId: rows[0].instance_id };
  }

  async setToken(em: EntityManager, instanceId: string, flowId: string, token: string): Promise<void> {
    await em.query(
      `INSERT INTO flow_tokens (flow_id, instance_id, token_hash) VALUES ($1, $2, $3)
       ON CONFLICT (flow_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = now()`,
      [flowId, instanceId, hashToken(token)],
    );
  }
}
