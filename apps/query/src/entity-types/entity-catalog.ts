import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { EntityType } from './entity-type';

interface Cached {
  type: EntityType;
  loadedAt: number;
}

/** Definitions change rarely; another replica's additions show up within this bound. */
export const ENTITY_TYPES_TTL_MS = 5000;

/**
 * Entity type look-ups for every query, cached in memory. A miss always goes to the database, so a
 * type defined through another replica is known at once; only added fields can lag by the TTL.
 */
@Injectable()
export class EntityCatalog {
  private readonly cache = new Map<string, Cached>();
  /** How many definitions this process has made per instance: what is built from a list goes stale with each. */
  private readonly definitions = new Map<string, number>();

  constructor(private readonly dataSource: DataSource) {}

  async get(instanceId: string, name: string): Promise<EntityType | undefined> {
    const key = `${instanceId}\u0000${name}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.loadedAt < ENTITY_TYPES_TTL_MS) return hit.type;
    const rows: { primary_key: string; fields: EntityType['fields'] }[] = await this.dataSource.query(
      `SELECT primary_key, fields FROM entity_types WHERE instance_id = $1 AND name = $2`,
      [instanceId, name],
    );
    if (rows.length === 0) {
      this.cache.delete(key);
      return undefined;
    }
    const type: EntityType = { instanceId, name, primaryKey: rows[0].primary_key, fields: rows[0].fields };
    this.cache.set(key, { type, loadedAt: Date.now() });
    return type;
  }

  forget(instanceId: string, name: string): void {
    this.cache.delete(`${instanceId}\u0000${name}`);
    this.definitions.set(instanceId, this.definitionsOf(instanceId) + 1);
  }

  /** Rises with each definition made through this process; another replica's show within the TTL. */
  definitionsOf(instanceId: string): number {
    return this.definitions.get(instanceId) ?? 0;
  }

  async list(instanceId: string): Promise<(EntityType & { recordCount: number })[]> {
    const rows: { name: string; primary_key: string; fields: EntityType['fields']; record_count: string | null }[] =
      await this.dataSource.query(
        `SELECT t.name, t.primary_key, t.fields, c.record_count
           FROM entity_types t LEFT JOIN entity_counts c ON c.instance_id = t.instance_id AND c.entity = t.name
          WHERE t.instance_id = $1 ORDER BY t.name`,
        [instanceId],
      );
    return rows.map((r) => ({
      instanceId,
      name: r.name,
      primaryKey: r.primary_key,
      fields: r.fields,
      recordCount: Number(r.record_count ?? 0),
    }));
  }
}
