export * from './key-deactivated.v1';
export * from './key-issued.v1';
export * from './key-revoked.v1';
export * from './key-used.v1';
export * from './key-aggregate';
export * from './session-ended.v1';
