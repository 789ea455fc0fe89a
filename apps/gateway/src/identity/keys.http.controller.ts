import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal, mayAdministerUsers, type Principal } from '@tollgate/auth';
import { ErrorCode, unknownEntityErrors } from '@tollgate/contracts';
import { ApiException } from '@tollgate/service-runtime';
import { Authenticated } from '../auth/authenticated.decorator';
import { CredentialVerifier } from '../auth/credential-verifier';
import { CredentialWatch } from '../auth/credential-watch';
import { ApiConflict } from '../openapi/api-errors';
import { EntityCatalogue } from '../query/entity-catalogue';
import { IssuedKeyDto, IssueKeyDto, KeyListDto, RevokeKeysDto } from './identity.dto';
import { KeysForwarder } from './keys-forwarder';

/** Key administration of the caller's instance: the users module admin role (session) or an admin-scoped key. */
@ApiTags('keys')
@Controller('api/v1/keys')
@Authenticated()
export class KeysHttpController {
  constructor(
    private readonly keys: KeysForwarder,
    private readonly verifier: CredentialVerifier,
    private readonly entities: EntityCatalogue,
    private readonly watch: CredentialWatch,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Issue a key; the key itself is in this response only',
    description: "A data key's entities must be entity types of the instance: a name it does not have (a typo) is a 400 naming it, and no key is issued.",
  })
  @ApiCreatedResponse({ type: IssuedKeyDto })
  @ApiConflict('the owner already has an active personal key', [ErrorCode.KeyExists])
  async issue(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Body() dto: IssueKeyDto): Promise<IssuedKeyDto> {
    // Only for a caller who may issue keys: to anyone else the keys service answers 403, and a 400
    // naming the unknown ones would tell them which entity types the instance has.
    if (dto.kind === 'data' && dto.entities && mayAdministerUsers(p)) {
      const unknown = await this.entities.unknown(p.instanceId, dto.entities, String(r.id));
      if (unknown.length) throw ApiException.validation(unknownEntityErrors(unknown));
    }
    return this.keys.call(r, p, 'POST', '/keys', dto);
  }

  @Get()
  @ApiOperation({ summary: 'Keys without secrets, most recently used first, never-used last' })
  @ApiOkResponse({ type: KeyListDto })
  list(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest): Promise<KeyListDto> {
    return this.keys.call(r, p, 'GET', '/keys');
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke several keys at once (all or none)' })
  @ApiNoContentResponse()
  async revokeMany(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Body() dto: RevokeKeysDto): Promise<void> {
    await this.keys.call(r, p, 'DELETE', '/keys', dto);
    // This gateway refuses them from now on, and ends their open answers (live balances); the others on KeyRevoked.
    for (const id of dto.ids) this.ended(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one key' })
  @ApiNoContentResponse()
  async revoke(@CurrentPrincipal() p: Principal, @Req() r: FastifyRequest, @Param('id') keyId: string): Promise<void> {
    await this.keys.call(r, p, 'DELETE', `/keys/${encodeURIComponent(keyId)}`);
    this.ended(keyId);
  }

  private ended(keyId: string): void {
    this.verifier.cache.evictKey(keyId);
    this.watch.keyEnded(keyId);
  }
}
