import { Router, type RequestHandler } from 'express';
import type { RouteParameters } from 'express-serve-static-core';
import { GreenopsError } from '../../core/index.js';
import { allows, permissionFor, type HttpMethod, type Permission } from '../../access/index.js';
import { credentialErrorOf, maybePrincipalOf } from './request-context.js';

/**
 * A router whose every route is looked up in the permission table when it is registered: a route that is not
 * in the table stops the API from starting, so no operation can be added without deciding who may call it.
 * Each route then checks the caller's roles before its handlers run (401 without a credential, 403 naming the
 * roles that would be allowed).
 */
export class GuardedRouter {
  readonly router = Router();

  /**
   * @param prefix where the router is mounted, e.g. `/api/v1`
   * @param options.publicRoutes `METHOD /path` of routes that configuration opens to anyone (only `/metrics` with
   *   GREENOPS_METRICS_PUBLIC=true); they must still be in the permission table.
   */
  constructor(
    private readonly prefix = '/api/v1',
    private readonly options: { publicRoutes?: readonly string[] } = {},
  ) {}

  get<P extends string>(path: P, ...handlers: RequestHandler<RouteParameters<P>>[]): this {
    return this.add('GET', path, handlers as RequestHandler[]);
  }
  post<P extends string>(path: P, ...handlers: RequestHandler<RouteParameters<P>>[]): this {
    return this.add('POST', path, handlers as RequestHandler[]);
  }
  patch<P extends string>(path: P, ...handlers: RequestHandler<RouteParameters<P>>[]): this {
    return this.add('PATCH', path, handlers as RequestHandler[]);
  }
  put<P extends string>(path: P, ...handlers: RequestHandler<RouteParameters<P>>[]): this {
    return this.add('PUT', path, handlers as RequestHandler[]);
  }
  delete<P extends string>(path: P, ...handlers: RequestHandler<RouteParameters<P>>[]): this {
    return this.add('DELETE', path, handlers as RequestHandler[]);
  }

  private add(method: HttpMethod, path: string, handlers: RequestHandler[]): this {
    const full = `${this.prefix}${path}`;
    const listed = permissionFor(method, full);
    if (!listed) throw new Error(`${method} ${full} is not in the permission table (access/permissions.ts)`);
    const permission: Permission = this.options.publicRoutes?.includes(`${method} ${full}`)
      ? { ...listed, access: 'public' }
      : listed;
    const route = this.router.route(path);
    const m = method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
    route[m](authorize(permission), ...handlers);
    return this;
  }
}

export function authorize(permission: Permission): RequestHandler {
  return (req, _res, next) => {
    if (permission.access === 'public') return next();
    const principal = maybePrincipalOf(req);
    if (!principal) return next(credentialErrorOf(req));
    if (allows(permission, principal.roles)) return next();
    const needed = permission.access === 'authenticated' ? ['any API role'] : permission.access;
    next(
      new GreenopsError(
        'FORBIDDEN',
        `${permission.method} ${permission.path} needs one of the roles ${needed.join(', ')}; this credential has ${principal.roles.join(', ') || 'none'}`,
        { field: 'roles' },
      ),
    );
  };
}
