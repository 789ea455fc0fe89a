export * from './identity';
export * from './keys';
export * from './credits';
export * from './query';
export * from './flows';
