export * from './config-error';
export * from './parse-config';
export * from './schemas';
