/** Pure rule evaluation: the same code runs in the analyzer and in each plugin's tests. */

import { type Evidence, notableLogs } from './evidence.ts';
import { messageOf } from './helpers.ts';
import type { FaultClass, MiddlewarePlugin, Rule, RuleContext, Severity } from './manifest.ts';

export interface Finding {
  /** `<plugin id>.<rule id>` */
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  explanation: string;
  evidence: Evidence[];
  actions: string[];
  /** The kind of fault the rule finds, when it declares one. */
  faultClass?: FaultClass;
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
        faultClass: rule.faultClass,
      });
    } catch (error) {
      findings.push({
        id,
        rule: rule.id,
        severity: 'info',
        title: `Rule "${rule.title}" could not be evaluated`,
        explanation: `The rule failed: ${messageOf(error)}`,
        evidence: [],
        actions: [],
      });
    }
  }
  return findings.sort(bySeverity);
}

/** A rule that finds what a notable log pattern means whenever lines match it in the window. */
export interface NotableLogRuleSpec {
  id: string;
  title: string;
  severity: Severity;
  /** The id of the notable log pattern (in the plugin's logs) whose lines make the finding. */
  pattern: string;
  actions: string[];
  faultClass: FaultClass;
  /** The explanation, given how many lines matched. */
  explain: (count: number) => string;
}

/**
 * A rule that fires when lines matching a notable log pattern appear in the window, with those lines as its
 * evidence; silent when logs could not be read.
 */
export function notableLogRule<F>(spec: NotableLogRuleSpec): Rule<F> {
  return {
    id: spec.id,
    title: spec.title,
    severity: spec.severity,
    signals: [],
    actions: spec.actions,
    faultClass: spec.faultClass,
    evaluate({ logs }) {
      const found = notableLogs(logs, spec.pattern);
      return found === null ? null : { explanation: spec.explain(found.count), evidence: [found.evidence] };
    },
  };
}
