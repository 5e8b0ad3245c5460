/**
 * Is a fault case well formed, and does it only name what its plugin has? The same checks apply to the
 * case files plugins ship and to cases written through the API. Pure: no I/O.
 */
import type { MiddlewarePlugin } from '@kubestack/plugin-sdk';
import Value from 'typebox/value';
import { type FaultCase, FaultCaseSchema } from './case.ts';

interface SchemaIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/** Fills the schema's defaults into a parsed value; returns the case, or what is wrong with it. */
export function parseCase(value: unknown): { case: FaultCase } | { problems: string[] } {
  const filled = Value.Default(FaultCaseSchema, Value.Clone(value));
  if (Value.Check(FaultCaseSchema, filled)) return { case: filled as FaultCase };
  return { problems: schemaProblems(filled) };
}

/** One line per field that breaks the schema, naming the field (`/symptoms/0`). */
export function schemaProblems(value: unknown): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const issue of Value.Errors(FaultCaseSchema, value) as Iterable<SchemaIssue>) {
    // A property the schema forbids is also reported as a failed `false` schema: keep the clearer line.
    if (issue.keyword === 'boolean') continue;
    const where = issue.instancePath || '(case)';
    if (seen.has(where)) continue;
    seen.add(where);
    const extra = issue.params.additionalProperties;
    const allowed = issue.params.allowedValues;
    const detail = Array.isArray(extra)
      ? `unknown field ${extra.map((name) => `"${name}"`).join(', ')}`
      : Array.isArray(allowed)
        ? `must be one of ${allowed.join(', ')}`
        : issue.message;
    problems.push(`${where}: ${detail}`);
  }
  return problems;
}

/**
 * What a case names that its plugin does not have: an unknown middleware, or signals, rules and actions
 * missing from the plugin's manifest. Each problem names the field, e.g. `/actions/1: redis has no action "x"`.
 */
export function referenceProblems(faultCase: FaultCase, plugins: readonly MiddlewarePlugin[]): string[] {
  const plugin = plugins.find((candidate) => candidate.id === faultCase.middleware);
  if (!plugin) {
    return [`/middleware: no plugin "${faultCase.middleware}" is installed (${plugins.map((p) => p.id).join(', ')})`];
  }
  const problems: string[] = [];
  const check = (path: (index: number) => string, kind: string, names: readonly string[], known: { id: string }[]) => {
    const ids = new Set(known.map((item) => item.id));
    names.forEach((name, index) => {
      if (!ids.has(name)) problems.push(`${path(index)}: ${plugin.id} has no ${kind} "${name}"`);
    });
  };
  const signals = faultCase.signals.map((signature) => signature.signal);
  check((index) => `/signals/${index}/signal`, 'signal', signals, plugin.signals);
  check((index) => `/rules/${index}`, 'rule', faultCase.rules, plugin.rules);
  check((index) => `/actions/${index}`, 'action', faultCase.actions, plugin.actions);
  return problems;
}
