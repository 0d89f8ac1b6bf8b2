import { DECISIONS, EXPORT_FORMATS, MODEL_IDS } from '../models/index.js';

const error = { $ref: '#/components/responses/Error' };
const ok = (schema: object, type = 'application/json') => ({
  description: 'OK',
  content: { [type]: { schema } },
});
/** An HTML page of the citizen page's error answers, in the page's language. */
const htmlError = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});
const modelId = { name: 'id', in: 'path', required: true, schema: { type: 'string', enum: MODEL_IDS } };
const tenant = {
  name: 'tenant',
  in: 'query',
  required: false,
  description: "Municipality; default: the credential's tenant.",
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
};
const card = {
  type: 'object',
  description: 'A model card, format greenops-model-card/2 (README: Transparency).',
};

/** Parameters and responses of the transparency routes (issue 15); roles come from the permission table. */
export const TRANSPARENCY_PATHS = {
  '/api/v1/models': {
    get: {
      parameters: [tenant],
      responses: {
        200: ok({
          type: 'object',
          properties: { tenant: { type: 'string' }, models: { type: 'array', items: card } },
        }),
      },
    },
  },
  '/api/v1/models/{id}': { get: { parameters: [modelId, tenant], responses: { 200: ok(card), 404: error } } },
  '/api/v1/models/{id}/oversight': {
    get: {
      parameters: [
        modelId,
        tenant,
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 1000 },
        },
        { name: 'before', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
      ],
      responses: { 200: ok({ type: 'object' }), 400: error, 404: error },
    },
    post: {
      parameters: [modelId, tenant],
      requestBody: {
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['outputId', 'decision'],
              properties: {
                outputId: {
                  type: 'string',
                  minLength: 1,
                  maxLength: 200,
                  description:
                    'An output the tenant has: a trained energy version (v3), a stored road detection_id, a traffic counter/year, a fleet vehicle; else 404 naming outputId.',
                },
                decision: { type: 'string', enum: DECISIONS },
                note: { type: 'string', maxLength: 2000 },
                version: { type: 'string', maxLength: 100 },
              },
            },
          },
        },
      },
      responses: { 201: ok({ type: 'object' }), 400: error, 404: error, 422: error },
    },
  },
  '/api/v1/transparency/export': {
    get: {
      parameters: [
        tenant,
        { name: 'format', in: 'query', required: true, schema: { type: 'string', enum: EXPORT_FORMATS } },
      ],
      responses: {
        200: ok({
          type: 'object',
          description:
            'The register document; `warnings` (`advarsler` in ai-landkort) lists what to configure before publishing: GREENOPS_ORGANISATION, GREENOPS_TRANSPARENCY_CONTACT, GREENOPS_PUBLIC_URL (atrs).',
        }),
        400: error,
      },
    },
  },
  '/transparency': {
    get: {
      parameters: [{ ...tenant, description: 'Municipality; default GREENOPS_TENANT.' }],
      // Errors are HTML pages in the page's language: 400 for a bad tenant=, 404 for a tenant greenops does not know.
      responses: {
        200: ok({ type: 'string' }, 'text/html'),
        400: htmlError('tenant= is not a tenant id'),
        404: htmlError('no municipality with this tenant id'),
      },
    },
  },
  '/transparency/en': {
    get: {
      parameters: [{ ...tenant, description: 'Municipality; default GREENOPS_TENANT.' }],
      // Errors are HTML pages in the page's language: 400 for a bad tenant=, 404 for a tenant greenops does not know.
      responses: {
        200: ok({ type: 'string' }, 'text/html'),
        400: htmlError('tenant= is not a tenant id'),
        404: htmlError('no municipality with this tenant id'),
      },
    },
  },
};
