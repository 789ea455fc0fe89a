import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { requireUserAdmin } from '../identity/access';
import { IssueKeyDto, RevokeKeysDto, type IssuedKeyView, type KeyView } from './key.dto';
import { KeysService } from './keys.service';

@Controller('keys')
export class KeysHttpController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  issue(@CurrentPrincipal() principal: Principal, @Body() dto: IssueKeyDto): Promise<IssuedKeyView> {
    requireUserAdmin(principal);
    return this.keys.issue(principal, dto);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ keys: KeyView[] }> {
    requireUserAdmin(principal);
    return { keys: await this.keys.list(principal.instanceId) };
  }

  @Delete()
  @HttpCode(204)
  async revokeMany(@CurrentPrincipal() principal: Principal, @Body() dto: RevokeKeysDto): Promise<void> {
    requireUserAdmin(principal);
    await this.keys.revoke(principal, dto.ids);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    requireUserAdmin(principal);
    await this.keys.revoke(principal, [id]);
  }
}
