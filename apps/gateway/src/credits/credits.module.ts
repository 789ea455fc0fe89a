import { Module } from '@nestjs/common';
import { BalanceFeed } from './balance-feed';
import { CreditsHttpController } from './credits.http.controller';

@Module({
  controllers: [CreditsHttpController],
  providers: [BalanceFeed],
})
export class CreditsModule {}
