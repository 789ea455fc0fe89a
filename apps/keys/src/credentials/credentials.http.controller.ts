import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CurrentPrincipal, type Principal } from '@tollgate/auth';
import { ApiException } from '@tollgate/service-runtime';
import { requireSystem } from '../identity/access';
import { CredentialsService, type VerifiedCredential } from './credentials.service';

class VerifyCredentialDto {
  @IsString() @MaxLength(500) credential!: string;
}

class LoginDto {
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value)) @IsString() @MinLength(1) @MaxLength(63) instance!: string;
  @IsString() @MaxLength(254) email!: string;
  @IsString() @MaxLength(200) password!: string;
  /** The client the gateway saw (an IPv4 address or an IPv6 /64), whose failed logins are counted. */
  @IsOptional() @IsString() @MaxLength(100) client?: string;
}

/** Called by the gateway only (system principal): credential checks on cache misses, console logins and sign-outs. */
@Controller()
export class CredentialsHttpController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post('credentials/verify')
  @HttpCode(200)
  async verify(@CurrentPrincipal() principal: Principal, @Body() dto: VerifyCredentialDto): Promise<VerifiedCredential> {
    requireSystem(principal);
    const verified = await this.credentials.verify(dto.credential);
    if (!verified) throw ApiException.invalidToken();
    return verified;
  }

  @Post('sessions/end')
  @HttpCode(204)
  async endSession(@CurrentPrincipal() principal: Principal, @Body() dto: VerifyCredentialDto): Promise<void> {
    requireSystem(principal);
    await this.credentials.endSession(dto.credential, principal.requestId);
  }

  @Post('sessions')
  login(@CurrentPrincipal() principal: Principal, @Body() dto: LoginDto): Promise<{ token: string; expiresAt: string }> {
    requireSystem(principal);
    return this.credentials.login(dto.instance, dto.email, dto.password, dto.client);
  }
}
