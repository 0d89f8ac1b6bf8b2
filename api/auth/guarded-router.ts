import { Router, type RequestHandler } from 'express';
import { GreenopsError } from '../../core/index.js';
import { allows, permissionFor, type HttpMethod, type Permission } from '../../access/index.js';
import { maybePrincipalOf } from './request-context.js';

/**
 * A router whose every route is looked up in the permission table when it is registered: a route that is not
 * in the table stops the API from starting, so no operation can be added without deciding who may call it.
 * Each route then checks the caller's roles before its handlers run (401 without a credential, 403 naming the
 * roles that would be allowed).
 */
export class GuardedRouter {
  readonly router = Router();

  /** @param prefix where the router is mounted, e.g. `/api/v1` */
  constructor(private readonly prefix = '/api/v1') {}

  get(path: string, ...handlers: RequestHandler[]): this {
    return this.add('GET', path, handlers);
  }
  post(path: string, ...handlers: RequestHandler[]): this {
    return this.add('POST', path, handlers);
  }
  patch(path: string, ...handlers: RequestHandler[]): this {
    return this.add('PATCH', path, handlers);
  }
  put(path: string, ...handlers: RequestHandler[]): this {
    return this.add('PUT', path, handlers);
  }
  delete(path: string, ...handlers: RequestHandler[]): this {
    return this.add('DELETE', path, handlers);
  }

  private add(method: HttpMethod, path: string, handlers: RequestHandler[]): this {
    const full = `${this.prefix}${path}`;
    const permission = permissionFor(method, full);
    if (!permission)
      throw new Error(`${method} ${full} is not in the permission table (access/permissions.ts)`);
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
    if (!principal) return next(new GreenopsError('UNAUTHENTICATED', 'a credential is required'));
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
