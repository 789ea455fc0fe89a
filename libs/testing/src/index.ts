export * from './postgres';
export * from './eventually';
export * from './kafka';
