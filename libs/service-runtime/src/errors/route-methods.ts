import { RouteConfig } from '@nestjs/platform-fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/** What the platform's routes answer to; anything else is refused before routing. */
const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The route configuration that marks a GET route whose handler refuses HEAD (405). */
interface HeadRefusal {
  refusesHead?: boolean;
}

/**
 * For a GET route whose handler answers HEAD with 405 itself (HEAD would charge or run something):
 * Fastify still registers HEAD for it, so without this mark a wrong method's `Allow` would offer it.
 */
export const RefusesHead = (): MethodDecorator => RouteConfig({ refusesHead: true } satisfies HeadRefusal);

/**
 * The service's routes, by path pattern, so that a request no route matched can be told apart:
 * a path that exists under other methods (405, with `Allow`) from one that does not (404).
 * Fastify's own router answers neither question for a concrete path, so the routes are recorded
 * as they are registered, into a router of the same kind.
 */
export class RouteMethods {
  private readonly router = FindMyWay({ ignoreTrailingSlash: false });

  add(method: string | string[], url: string, config?: HeadRefusal): void {
    // A catch-all (the gateway's CORS preflight answers OPTIONS on any path) says nothing about
    // which paths exist: recorded, it would make every unknown path a 405.
    if (url === '*' || url === '/*') return;
    const methods = (Array.isArray(method) ? method : [method]).filter(
      (m): m is HTTPMethod => METHODS.includes(m as HTTPMethod) && !(m === 'HEAD' && config?.refusesHead),
    );
    if (methods.length) this.router.on(methods, url, () => undefined);
  }

  /** The methods some route answers on this URL's path, in a fixed order; none when the path is unknown. */
  allowed(url: string): string[] {
    const path = url.split('?', 1)[0];
    // The service's routes take no empty segment (`/runs/`, `/a//trigger`) for a parameter, where
    // this record would: such a path has no route under any method (a 404, not a 405 offering GET to a GET).
    if (/\/\/|.\/$/.test(path)) return [];
    return METHODS.filter((method) => this.router.find(method, path) !== null);
  }
}
