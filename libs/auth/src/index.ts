export * from './principal';
export * from './principal-token';
export * from './principal.guard';
export * from './principal-auth.module';
export * from './credential-format';
