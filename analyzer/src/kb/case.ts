/**
 * A known fault case: what an operator saw, what it was, and what fixed it. Plugins ship their cases as
 * YAML files (`plugins/<id>/cases/<case id>.yaml`, one case per file); operators add and update more
 * through the API. The same schema validates both.
 */
import { FAULT_CLASSES } from '@kubestack/plugin-sdk';
import { type Static, Type } from 'typebox';

const Id = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{2,80}$', description: 'Stable id, e.g. `redis-oom-noeviction`' });
const Text = (description: string, maxLength = 2000) => Type.String({ minLength: 3, maxLength, description });

// Enums rather than unions of literals: a bad value then gets one error naming the field, not one per choice.
export const FaultClassSchema = Type.Enum(FAULT_CLASSES, {
  description: 'The kind of fault, one vocabulary across middleware',
});

/** How a signal of the plugin behaves while the fault is in place. */
export const SignalSignatureSchema = Type.Object(
  {
    signal: Type.String({ minLength: 1, description: "A key signal id of the case's plugin" }),
    direction: Type.Enum(['up', 'down', 'flat'], {
      description: 'Which way the signal moves when the fault is in place',
    }),
    shape: Type.Optional(
      Type.Enum(['spike', 'dip', 'level_shift', 'trend_change', 'variance_change', 'saturation'], {
        description: 'The anomaly kind the detector reports, or saturation: pinned at a limit',
      }),
    ),
    note: Type.Optional(Text('What to look for, e.g. "climbs to maxmemory and stays there"', 300)),
  },
  { additionalProperties: false },
);

export const FaultCaseSchema = Type.Object(
  {
    id: Id,
    middleware: Type.String({ pattern: '^[a-z][a-z0-9_-]*$', description: 'The plugin id, e.g. `redis`' }),
    title: Text('One line an operator recognises', 200),
    faultClass: FaultClassSchema,
    symptoms: Type.Array(Text('What is seen: errors, behaviour, metrics, in the words operators use', 500), {
      minItems: 1,
      maxItems: 20,
    }),
    signals: Type.Array(SignalSignatureSchema, { maxItems: 20, default: [] }),
    logPatterns: Type.Array(
      Text('A log line or message fragment the fault produces, as the middleware writes it', 500),
      {
        maxItems: 20,
        default: [],
      },
    ),
    rules: Type.Array(Type.String({ minLength: 1 }), {
      maxItems: 20,
      default: [],
      description: "Rule ids of the case's plugin that detect this fault",
    }),
    rootCause: Text('Why it happens', 4000),
    remediation: Text('What to do, in order, safest first', 4000),
    actions: Type.Array(Type.String({ minLength: 1 }), {
      maxItems: 20,
      default: [],
      description: "Remediation action ids of the case's plugin that address it",
    }),
    references: Type.Array(
      Type.Object(
        { title: Text('What the reference is', 300), url: Type.String({ pattern: '^https://', maxLength: 500 }) },
        { additionalProperties: false },
      ),
      { maxItems: 20, default: [] },
    ),
    version: Type.Integer({ minimum: 1, description: 'Raised on every change; upserts keep the highest' }),
  },
  { additionalProperties: false },
);

export type FaultCase = Static<typeof FaultCaseSchema>;
export type SignalSignature = Static<typeof SignalSignatureSchema>;
