/** Pure rule evaluation: the same code runs in the analyzer and in each plugin's tests. */

import type { Evidence } from './evidence.ts';
import type { MiddlewarePlugin, RuleContext, Severity } from './manifest.ts';

export interface Finding {
  /** `<plugin id>.<rule id>` */
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  explanation: string;
  evidence: Evidence[];
  actions: string[];
}

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function bySeverity(a: Pick<Finding, 'severity' | 'id'>, b: Pick<Finding, 'severity' | 'id'>): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id);
}

/**
 * Runs every rule of a plugin against one context. A rule that throws becomes a finding saying so
 * instead of hiding the others.
 */
export function runRules<F>(plugin: MiddlewarePlugin<F>, ctx: RuleContext<F>): Finding[] {
  const findings: Finding[] = [];
  for (const rule of plugin.rules) {
    const id = `${plugin.id}.${rule.id}`;
    try {
      const outcome = rule.evaluate(ctx);
      if (outcome === null) continue;
      findings.push({
        id,
        rule: rule.id,
        severity: outcome.severity ?? rule.severity,
        title: rule.title,
        explanation: outcome.explanation,
        evidence: outcome.evidence,
        actions: rule.actions,
      });
    } catch (error) {
      findings.push({
        id,
        rule: rule.id,
        severity: 'info',
        title: `Rule "${rule.title}" could not be evaluated`,
        explanation: `The rule failed: ${error instanceof Error ? error.message : String(error)}`,
        evidence: [],
        actions: [],
      });
    }
  }
  return findings.sort(bySeverity);
}
