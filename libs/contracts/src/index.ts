import 'reflect-metadata';
export * from './topics';
export * from './envelope';
export * from './event-contract';
export * from './event-catalog';
export * from './catalog';
export * from './api-error';
export * from './events';
export * from './rest/query';
