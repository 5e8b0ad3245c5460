/** Renders diagnosis reports as a terminal fleet report. Pure: data in, text out. */
import { type Evidence, type FaultScenario, type Finding, formatValue, type SignalValue } from '@kubestack/plugin-sdk';
import type { DiagnosisReport } from '../diagnose/diagnose.ts';

interface SourceStatus {
  reachable: boolean;
  latencyMs: number;
  error?: string;
}

/** A fault the demo put in place on an instance, to be caught by the diagnosis. */
export interface StagedFault {
  instance: string;
  scenario: FaultScenario;
  staged: boolean;
  error?: string;
}

export interface ReportInput {
  now: Date;
  windowMinutes: number;
  ready: { status: string; sources: Record<string, SourceStatus> };
  reports: DiagnosisReport[];
  staged: StagedFault[];
}

const tty = process.stdout.isTTY === true;
const paint = (code: string, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (text: string) => paint('1', text);
const dim = (text: string) => paint('2', text);
const SEVERITY_STYLE: Record<string, string> = { critical: '1;31', warning: '1;33', info: '1;36' };

/** The report text, and how many staged faults the diagnosis missed. */
export function renderReport({ now, windowMinutes, ready, reports, staged }: ReportInput): {
  text: string;
  missed: number;
} {
  const out: string[] = [];
  out.push(
    bold(
      `KubeStack-AI fleet report — ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC, last ${windowMinutes} min`,
    ),
  );
  out.push(
    `sources: ${Object.entries(ready.sources)
      .map(
        ([name, source]) =>
          `${name} ${source.reachable ? paint('32', 'reachable') : paint('31', `DOWN (${source.error})`)}`,
      )
      .join(', ')}`,
  );
  out.push('');
  const rows = reports.map((report) => [
    report.instance.displayName,
    report.instance.name,
    report.instance.up ? 'up' : 'DOWN',
    summarizeFindings(report.findings),
    hottestSignal(report.signals),
  ]);
  out.push(...table(['middleware', 'instance', 'exporter', 'findings', 'closest to its limit'], rows));
  const verdicts = renderStaged(staged, reports);
  if (staged.length > 0) out.push('', ...verdicts.lines);

  for (const report of reports) {
    out.push('');
    out.push(bold(`■ ${report.instance.displayName} ${report.instance.name}`) + dim(`  (${report.tookMs} ms)`));
    if (report.partial) out.push(paint('33', `  partial: could not read ${report.unavailable.join(', ')}`));
    if (report.findings.length === 0) {
      out.push(paint('32', '  no findings: every rule is quiet'));
      continue;
    }
    for (const finding of report.findings) {
      const style = SEVERITY_STYLE[finding.severity] ?? '1';
      out.push(`  ${paint(style, finding.severity.toUpperCase().padEnd(8))} ${bold(finding.title)}`);
      out.push(...wrap(finding.explanation, 4));
      for (const evidence of finding.evidence.slice(0, 4)) out.push(dim(`    · ${describeEvidence(evidence)}`));
      if (finding.actions.length > 0) out.push(dim(`    → actions: ${finding.actions.join(', ')}`));
    }
  }
  out.push('');
  return { text: `${out.join('\n')}\n`, missed: verdicts.missed };
}

/** Each staged fault, and whether the diagnosis of its instance found what its scenario expects. */
function renderStaged(staged: StagedFault[], reports: DiagnosisReport[]): { lines: string[]; missed: number } {
  let caught = 0;
  let missed = 0;
  const lines = staged.map((fault) => {
    if (!fault.staged) return `  ${paint('33', 'not staged')}  ${fault.scenario.title} (${fault.error})`;
    const rules = new Set(reports.find((report) => report.instance.id === fault.instance)?.findings.map((f) => f.rule));
    const hit = fault.scenario.fires.every((rule) => rules.has(rule));
    if (hit) caught += 1;
    else missed += 1;
    const verdict = hit ? paint('32', 'caught    ') : paint('31', 'MISSED    ');
    return `  ${verdict}  ${fault.scenario.title} → ${fault.scenario.fires.join(', ')}`;
  });
  const header = bold(`Staged faults: ${caught} of ${staged.filter((fault) => fault.staged).length} caught`);
  return { lines: [header, ...lines], missed };
}

function summarizeFindings(findings: Finding[]): string {
  if (findings.length === 0) return 'ok';
  const counts = new Map<string, number>();
  for (const finding of findings) counts.set(finding.severity, (counts.get(finding.severity) ?? 0) + 1);
  return [...counts].map(([severity, count]) => `${count} ${severity}`).join(', ');
}

/** How far a signal has gone towards its limit: used/limit, or limit/left for a resource running out. */
function saturation(signal: SignalValue): number | undefined {
  if (signal.limit === undefined) return undefined;
  if (signal.badDirection === 'up') return signal.last / signal.limit;
  if (signal.badDirection === 'down') return signal.last > 0 ? signal.limit / signal.last : 1;
  return undefined;
}

function hottestSignal(signals: SignalValue[]): string {
  let best: { signal: SignalValue; ratio: number } | undefined;
  for (const signal of signals) {
    const ratio = saturation(signal);
    if (ratio !== undefined && (!best || ratio > best.ratio)) best = { signal, ratio };
  }
  if (!best) return '-';
  const { signal, ratio } = best;
  return signal.badDirection === 'up'
    ? `${signal.name} ${Math.round(ratio * 100)} % of ${signal.limit === undefined ? '' : formatValue(signal.limit, signal.unit)}`
    : `${signal.name} ${formatValue(signal.last, signal.unit)}, limit ${formatValue(signal.limit ?? 0, signal.unit)}`;
}

function describeEvidence(evidence: Evidence): string {
  switch (evidence.kind) {
    case 'signal': {
      const limit = evidence.limit === undefined ? '' : ` of ${formatValue(evidence.limit, evidence.unit)}`;
      return `${evidence.name}: ${formatValue(evidence.last, evidence.unit)}${limit} (max ${formatValue(evidence.max, evidence.unit)})`;
    }
    case 'fact':
      return `${evidence.name} = ${String(evidence.value)}`;
    case 'log':
      return `${evidence.count} log line(s)${evidence.pattern ? ` matching ${evidence.pattern}` : ''}: ${evidence.lines[0]?.message.slice(0, 120) ?? ''}`;
  }
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [bold(line(header)), ...rows.map(line)];
}

function wrap(text: string, indent: number, width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + word.length + 1 > width - indent) {
      lines.push(' '.repeat(indent) + current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(' '.repeat(indent) + current);
  return lines;
}
