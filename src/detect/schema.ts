/**
 * The one JSON schema of a pattern pack. Semantic checks that a schema cannot express (RE2
 * compilation, validator names and parameters, duplicate ids) live in load.ts.
 */
export const ACTION_SCHEMA = {
  oneOf: [
    { enum: ['tokenize', 'hash', 'mask', 'partial', 'drop-field', 'drop-record'] },
    {
      type: 'object',
      required: ['type'],
      properties: {
        type: { const: 'tokenize' },
        mode: { enum: ['deterministic', 'randomized'] },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type'],
      properties: { type: { const: 'mask' }, text: { type: 'string' } },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type'],
      properties: {
        type: { const: 'partial' },
        keepFirst: { type: 'integer', minimum: 0, maximum: 64 },
        keepLast: { type: 'integer', minimum: 0, maximum: 64 },
        maskChar: { type: 'string', minLength: 1, maxLength: 1 },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: ['hash', 'drop-field', 'drop-record'] } },
      additionalProperties: false,
    },
  ],
} as const;

/**
 * The categories of detectors and key rules. The config file sets actions per category
 * (`actions.byCategory`), and the scanner gives `secret` and `credential` findings their own
 * handling; a category outside this list, a typo, would silently miss both.
 */
export const CATEGORIES = ['pii', 'secret', 'credential', 'network', 'financial', 'identity'] as const;

const CATEGORY = { enum: CATEGORIES } as const;
const SEVERITY = { enum: ['low', 'medium', 'high', 'critical'] } as const;
const LABEL = { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' } as const;

const ALLOWLIST = {
  type: 'array',
  items: {
    oneOf: [
      { type: 'object', required: ['value'], properties: { value: { type: 'string' } }, additionalProperties: false },
      {
        type: 'object',
        required: ['regex'],
        properties: { regex: { type: 'string', minLength: 1 }, target: { enum: ['secret', 'match', 'line', 'context'] } },
        additionalProperties: false,
      },
    ],
  },
} as const;

export const PACK_SCHEMA = {
  type: 'object',
  required: ['pack', 'detectors'],
  additionalProperties: false,
  properties: {
    pack: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
    description: { type: 'string' },
    detectors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'category', 'severity', 'regex', 'action', 'tests'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
          name: { type: 'string', minLength: 1 },
          category: CATEGORY,
          severity: SEVERITY,
          label: LABEL,
          regex: { type: 'string', minLength: 1 },
          keywords: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
          keywordWindow: { type: 'integer', minimum: 1, maximum: 1000 },
          block: { enum: ['indented'] },
          validator: {
            oneOf: [
              { type: 'string', minLength: 1 },
              { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
            ],
          },
          allowlist: ALLOWLIST,
          action: ACTION_SCHEMA,
          refs: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9-]+:.+$' } },
          tests: {
            type: 'object',
            required: ['match'],
            additionalProperties: false,
            properties: {
              match: {
                type: 'array',
                minItems: 1,
                items: {
                  oneOf: [
                    { type: 'string' },
                    {
                      type: 'object',
                      required: ['text'],
                      properties: { text: { type: 'string' }, secret: { type: 'string', minLength: 1 } },
                      additionalProperties: false,
                    },
                  ],
                },
              },
              nomatch: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    keyRules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['keys', 'mode'],
        additionalProperties: false,
        properties: {
          keys: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          mode: { enum: ['redact', 'skip', 'scan'] },
          label: LABEL,
          category: CATEGORY,
          severity: SEVERITY,
          action: ACTION_SCHEMA,
          strings: { type: 'boolean' },
          matching: { type: 'string', minLength: 1 },
          unlessMembers: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          where: {
            type: 'object',
            minProperties: 1,
            additionalProperties: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          },
        },
      },
    },
    allowlist: ALLOWLIST,
  },
} as const;
