import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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

class UsageTotalDoc {
  @ApiProperty({ example: 42 }) credits!: number;
  @ApiProperty({ example: 40 }) requests!: number;
}

class UsageRowDoc extends UsageTotalDoc {
  @ApiPropertyOptional({ example: '2026-03-01', description: '`groupBy=day`: the local day' }) day?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: '`groupBy=key`' }) keyId?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, description: '`groupBy=user`: none for organization keys' }) userId?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'actions', description: '`groupBy=entity`' }) entity?: string | null;
}

export class UsageDoc {
  @ApiProperty({ example: '2026-03-01' }) from!: string;
  @ApiProperty({ example: '2026-03-30' }) to!: string;
  @ApiProperty({ enum: ['day', 'key', 'user', 'entity'] }) groupBy!: string;
  @ApiProperty({ type: UsageTotalDoc }) total!: UsageTotalDoc;
  @ApiProperty({ type: [UsageRowDoc] }) usage!: UsageRowDoc[];
}

export class LedgerAuditDoc {
  @ApiProperty() instanceId!: string;
  @ApiProperty({ example: '2026-03-01' }) day!: string;
  @ApiProperty() allowance!: number;
  @ApiProperty({ description: 'plan changes during the day' }) adjustments!: number;
  @ApiProperty() consumed!: number;
  @ApiProperty() refunded!: number;
  @ApiProperty() remaining!: number;
  @ApiProperty() expectedRemaining!: number;
  @ApiProperty() consumedEvents!: number;
  @ApiProperty() refundedEvents!: number;
  @ApiProperty() ledgerNet!: number;
  @ApiProperty() snapshotRemaining!: number;
  @ApiProperty({ description: 'allowance + adjustments − consumed + refunded = remaining' }) balanced!: boolean;
}
