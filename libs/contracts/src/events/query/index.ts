export * from './batch-task-completed.v1';
export * from './entity-type-defined.v1';
export * from './record-keys';
export * from './records-changed.v1';
export * from './records-changed-part.v1';
