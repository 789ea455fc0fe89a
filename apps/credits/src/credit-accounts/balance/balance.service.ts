import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../../clock';
import { decideReset } from '../credit-account.decider';
import { CreditAccountWriter } from '../credit-account.writer';
import { readAccount } from '../credit-ledger.projection';
import { balanceOf, type Balance } from './balance';

@Injectable()
export class BalanceService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly writer: CreditAccountWriter,
    private readonly clock: Clock,
  ) {}

  /** Reads the snapshot; a pool past its midnight is reset first, so nobody sees yesterday's balance. */
  async balance(instanceId: string): Promise<Balance> {
    const state = await readAccount(this.dataSource.manager, instanceId);
    const now = this.clock.now();
    if (state.exists && now >= state.resetsAt) {
      const written = await this.writer.execute(instanceId, (current, _em, at) => decideReset(current, at));
      return balanceOf(written.state, now);
    }
    return balanceOf(state, now);
  }
}
