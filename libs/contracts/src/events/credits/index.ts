export * from './charge-voided.v1';
export * from './credits-consumed.v1';
export * from './credits-refunded.v1';
export * from './credits-reset.v1';
export * from './plan-changed.v1';
