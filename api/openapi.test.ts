import { describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../access/index.js';
import { openApiDocument } from './openapi.js';

type Operation = { security: unknown[]; 'x-roles': string[]; responses: Record<string, unknown> };
const doc = openApiDocument({ oidc: true }) as {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { scheme: string; bearerFormat: string }> };
};
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);
const asOpenApi = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('the OpenAPI document and the permission table', () => {
  it('describes every operation of the permission table under /api/v1, and no other', () => {
    const fromTable = PERMISSIONS.filter((p) => p.path.startsWith('/api/v1/')).map(
      (p) => `${p.method} ${asOpenApi(p.path)}`,
    );
    const documented = operations.map((o) => o.key).filter((k) => k.split(' ')[1]!.startsWith('/api/v1/'));
    expect(documented.sort()).toEqual(fromTable.sort());
  });

  it('gives each operation the security and roles of its permission', () => {
    for (const p of PERMISSIONS) {
      const op = doc.paths[asOpenApi(p.path)]?.[p.method.toLowerCase()];
      expect(op, `${p.method} ${p.path}`).toBeDefined();
      if (p.access === 'public') {
        expect(op!.security).toEqual([]);
        expect(op!.responses).not.toHaveProperty('401');
      } else {
        expect(op!.security).toEqual([{ apiKey: [] }, { oidc: [] }]);
        expect(op!.responses).toHaveProperty('401');
        expect(op!.responses).toHaveProperty('403');
        if (p.access !== 'authenticated') expect(op!['x-roles']).toEqual([...p.access]);
        else expect(op!['x-roles']).not.toContain('device');
      }
    }
  });

  it('declares bearer schemes for API keys, and for OIDC tokens only when an issuer is configured', () => {
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ scheme: 'bearer' });
    expect(doc.components.securitySchemes.oidc).toMatchObject({ scheme: 'bearer', bearerFormat: 'JWT' });
    const keysOnly = openApiDocument() as typeof doc;
    expect(Object.keys(keysOnly.components.securitySchemes)).toEqual(['apiKey']);
    expect(keysOnly.paths['/api/v1/whoami']?.get?.security).toEqual([{ apiKey: [] }]);
  });
});

describe('the energy operations', () => {
  it('take a meter (device=) or a building (site=) for forecast, stored points, waste and savings', () => {
    for (const path of ['forecast', 'forecast/points', 'waste', 'savings']) {
      const op = doc.paths[`/api/v1/energy/${path}`]?.get as unknown as {
        parameters: { name: string; required: boolean }[];
      };
      const byName = new Map(op.parameters.map((p) => [p.name, p]));
      expect(byName.get('site')?.required, path).toBe(false);
      expect(byName.get('device')?.required, path).toBe(false);
    }
  });
});
