import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'tollgate:public-route';

/** Marks a route any caller may reach without a principal (health, metrics). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
