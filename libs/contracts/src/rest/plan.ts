/** The largest daily allowance an instance may have: the credit columns are 32-bit integers. */
export const MAX_DAILY_CREDITS = 2_147_483_647;
