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

  private groups(instanceId: string): Promise<Group[]> {
    const hit = this.cache.get(instanceId);
    if (hit && Date.now() - hit.at < this.config.FLOWS_GROUP_CACHE_MS) return hit.groups;
    const groups = this.fetch(instanceId);
    this.cache.set(instanceId, { at: Date.now(), groups });
    groups.catch(() => this.cache.delete(instanceId));
    return groups;
  }

  private async fetch(instanceId: string): Promise<Group[]> {
    const res = await this.clients.keys
      .call<{ groups?: Group[] } | Group[]>({ method: 'GET', path: '/groups', instanceId, requestId: `groups-${Date.now()}`, scopes: ['admin'] })
      .catch(() => undefined);
    if (!res || res.status >= 300) throw new ApiException(ErrorCode.Unavailable, 'Group memberships are unavailable; try again');
    const list = Array.isArray(res.body) ? res.body : (res.body?.groups ?? []);
    return list.map((g) => ({ id: String(g.id), name: String(g.name), members: (g.members ?? []).map(String) }));
  }
}
