export * from './postgres';
export * from './eventually';
export * from './kafka';
export * from './platform';
export * from './fixtures/key-lifecycle.fixture';
export * from './browser';
export * from './own-gateway';
export * from './metrics';
