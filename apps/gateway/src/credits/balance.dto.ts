import { ApiProperty } from '@nestjs/swagger';

export class BalanceDto {
  @ApiProperty({ example: 500, description: 'Credits the pool is refilled to at local midnight' }) dailyAllowance!: number;
  @ApiProperty({ example: 312 }) remaining!: number;
  @ApiProperty({ example: '2026-03-01T23:00:00.000Z', description: 'Next local midnight of the instance, UTC' }) resetsAt!: string;
  @ApiProperty({ example: 'Europe/Paris' }) timezone!: string;
}

/** The credits service's answer: the public balance plus the stream version it reflects. */
export interface VersionedBalance extends BalanceDto {
  version?: number;
}

export const publicBalance = ({ dailyAllowance, remaining, resetsAt, timezone }: VersionedBalance): BalanceDto => ({
  dailyAllowance,
  remaining,
  resetsAt,
  timezone,
});
