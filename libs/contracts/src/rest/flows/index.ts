// Query parameters of the flows API: validated by the gateway and again by the flows service.
export * from './list-queries.dto';
