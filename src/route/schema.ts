/**
 * The JSON schema of a routing pack. Checks a schema cannot express (RE2 compilation, field paths,
 * capture names, the prefilter, duplicate ids) live in load.ts.
 */
const SCALAR = { type: ['string', 'number', 'boolean'] } as const;
const SCALARS = { type: 'array', minItems: 1, items: SCALAR } as const;
const REGEX = { type: 'string', minLength: 1 } as const;
const GROUP_REF = { $ref: '#/$defs/group' } as const;

const SOME = {
  type: 'object',
  required: ['path', 'where'],
  additionalProperties: false,
  properties: {
    path: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } }] },
    where: GROUP_REF,
  },
} as const;

const FIELD_CONDITION = {
  oneOf: [
    SCALAR,
    SCALARS,
    {
      type: 'object',
      minProperties: 1,
      maxProperties: 1,
      additionalProperties: false,
      properties: { equals: SCALAR, in: SCALARS, regex: REGEX, exists: { type: 'boolean' } },
    },
  ],
} as const;

const GROUP = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    fields: { type: 'object', minProperties: 1, additionalProperties: FIELD_CONDITION },
    text: { oneOf: [REGEX, { type: 'array', minItems: 1, items: REGEX }] },
    any: { type: 'array', minItems: 1, items: GROUP_REF },
    all: { type: 'array', minItems: 1, items: GROUP_REF },
    not: { oneOf: [GROUP_REF, { type: 'array', minItems: 1, items: GROUP_REF }] },
    some: { oneOf: [SOME, { type: 'array', minItems: 1, items: SOME }] },
  },
} as const;

const MITRE = { type: 'string', pattern: '^T\\d{4}(\\.\\d{3})?$' } as const;
const CASE = { oneOf: [{ type: 'string' }, { type: 'object' }, { type: 'array' }] } as const;

export const ROUTING_SCHEMA = {
  $defs: { group: GROUP },
  type: 'object',
  required: ['pack', 'rules'],
  additionalProperties: false,
  properties: {
    pack: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    description: { type: 'string' },
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'name', 'category', 'severity', 'when', 'tests'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          name: { type: 'string', minLength: 1 },
          description: { type: 'string' },
          category: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
          severity: { enum: ['low', 'medium', 'high', 'critical'] },
          mitre: { oneOf: [MITRE, { type: 'array', minItems: 1, items: MITRE }] },
          appStream: { enum: ['keep', 'remove'] },
          when: GROUP_REF,
          threshold: {
            type: 'object',
            required: ['count', 'windowSeconds'],
            additionalProperties: false,
            properties: {
              count: { type: 'integer', minimum: 2, maximum: 1_000_000 },
              windowSeconds: { type: 'integer', minimum: 1, maximum: 86_400 },
              groupBy: {
                type: 'array',
                items: {
                  oneOf: [
                    { type: 'string', minLength: 1 },
                    {
                      type: 'object',
                      required: ['capture'],
                      additionalProperties: false,
                      properties: { capture: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } },
                    },
                  ],
                },
              },
            },
          },
          refs: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9-]+:.+$' } },
          tests: {
            type: 'object',
            required: ['match', 'nomatch'],
            additionalProperties: false,
            properties: {
              match: { type: 'array', minItems: 1, items: CASE },
              nomatch: { type: 'array', minItems: 1, items: CASE },
            },
          },
        },
      },
    },
  },
} as const;
