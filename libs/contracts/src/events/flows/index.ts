export * from './flow-defined.v1';
export * from './flow-deleted.v1';
export * from './flow-emitted.v1';
export * from './flow-run-failed.v1';
export * from './flow-run-started.v1';
export * from './flow-run-succeeded.v1';
