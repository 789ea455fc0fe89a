import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { FLOWS_CONFIG, type FlowsConfig } from '../config/flows.config';
import { InternalClients } from '../downstream/internal-clients';

interface Group {
  id: string;
  name: string;
  members: string[];
}

/**
 * Group memberships come from the keys service (the system of record for users and groups),
 * asked as the instance's system principal and kept for a short time per instance.
 */
@Injectable()
export class GroupDirectory {
  private readonly cache = new Map<string, { at: number; groups: Promise<Group[]> }>();

  constructor(
    private readonly clients: InternalClients,
    @Inject(FLOWS_CONFIG) private readonly config: FlowsConfig,
  ) {}

  /** True when the user is a member of a group named (by id or name) in `allowed`. */
  async isMember(instanceId: string, userId: string, allowed: string[]): Promise<boolean> {
    if (allowed.length === 0) return false;
    const groups = await this.groups(instanceId);
    return groups.some((g) => (allowed.includes(g.id) || allowed.includes(g.name)) && g.members.includes(userId));
  }

  /**
   * The positions in `named` of the entries that are neither the id nor the name of one of the
   * instance's groups: a flow given them could never be run by a member. Asked of the keys service
   * afresh, so a group created a moment ago counts (the cache is renewed with the answer).
   */
  async unknown(instanceId: string, named: string[]): Promise<number[]> {
    if (named.length === 0) return [];
    const groups = await this.groups(instanceId, true);
    const known = new Set(groups.flatMap((g) => [g.id, g.name]));
    return named.flatMap((name, index) => (known.has(name) ? [] : [index]));
  }

  private groups(instanceId: string, fresh = false): Promise<Group[]> {
    const hit = this.cache.get(instanceId);
    if (!fresh && hit && Date.now() - hit.at < this.config.FLOWS_GROUP_CACHE_MS) return hit.groups;
    const groups = this.fetch(instanceId);
    this.cache.set(instanceId, { at: Date.now(), groups });
    groups.catch(() => this.cache.get(instanceId)?.groups === groups && this.cache.delete(instanceId));
    return groups;
  }

  private async fetch(instanceId: string): Promise<Group[]> {
    const res = await this.clients.keys
      .call<{ groups?: Group[] } | Group[]>({ method: 'GET', path: '/groups', instanceId, requestId: `groups-${Date.now()}`, scopes: ['admin'] })
      .catch(() => undefined);
    if (!res || res.status >= 300) throw new ApiException(ErrorCode.Unavailable, 'Group memberships are unavailable; try again', { headers: { 'retry-after': '1' } });
    const list = Array.isArray(res.body) ? res.body : (res.body?.groups ?? []);
    return list.map((g) => ({ id: String(g.id), name: String(g.name), members: (g.members ?? []).map(String) }));
  }
}
