export * from './instance-created.v1';
export * from './instance-plan-changed.v1';
export * from './user-deactivated.v1';
export * from './user-downgraded.v1';
export * from './user-reactivated.v1';
export * from './user-registered.v1';
export * from './user-roles-changed.v1';
export * from './module-roles';
