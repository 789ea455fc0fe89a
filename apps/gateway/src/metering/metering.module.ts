import { Global, Module } from '@nestjs/common';
import { DebitBatcher } from './debit-batcher';
import { MeteringService } from './metering.service';

/** Global: every feature's controllers inject MeteringService without importing this module. */
@Global()
@Module({
  providers: [DebitBatcher, MeteringService],
  exports: [MeteringService],
})
export class MeteringModule {}
