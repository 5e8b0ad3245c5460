/** Log evidence for root-cause analysis: each instance's new, surging and error patterns from Elasticsearch. */
import { type LogPatternReport, readLogPatterns } from '../logs/index.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import type { LogPatternSource, LogSurge } from './analyze.ts';

/** Lines read per window and instance: enough to see a surge, small enough to answer within a second. */
const LINES_PER_WINDOW = 5000;

export function elasticsearchLogPatterns(elasticsearch: ElasticsearchSource): LogPatternSource {
  return {
    async surges(fleet, window, baseline) {
      const reports = await readLogPatterns(
        elasticsearch,
        fleet.map(({ instance, plugin }) => ({
          instanceId: instance.id,
          serviceType: plugin.logs.serviceType,
          instance: instance.name,
        })),
        window,
        baseline,
        { linesPerWindow: LINES_PER_WINDOW },
      );
      // One unreadable target means Elasticsearch (or its index) is not usable: say so rather than half-answer.
      const available = reports.length === 0 || reports.every((report) => report.available);
      return { available, instances: reports.filter((r) => r.available).length, surges: reports.flatMap(surgesOf) };
    },
  };
}

function surgesOf(report: LogPatternReport): LogSurge[] {
  const samples = (lines: ReadonlyArray<{ message: string }>) => lines.map((line) => line.message);
  const surges: LogSurge[] = [
    ...report.newPatterns.map((change) => ({
      node: report.instanceId,
      patternId: change.id,
      kind: 'new' as const,
      template: change.template,
      strength: change.strength,
      onsetMs: change.onset,
      count: change.currentCount,
      baselineCount: change.baselineCount,
      samples: samples(change.samples),
    })),
    ...report.surgingPatterns.map((change) => ({
      node: report.instanceId,
      patternId: change.id,
      kind: 'surging' as const,
      template: change.template,
      strength: change.strength,
      onsetMs: change.onset,
      count: change.currentCount,
      baselineCount: change.baselineCount,
      samples: samples(change.samples),
    })),
  ];
  const errors = report.errorSurge;
  // An error surge made of one pattern already reported adds nothing new.
  if (errors && !surges.some((surge) => surge.patternId === errors.id)) {
    surges.push({
      node: report.instanceId,
      patternId: `errors-${errors.id}`,
      kind: 'error-surge',
      template: errors.template,
      strength: errors.strength,
      onsetMs: errors.onset,
      count: errors.currentCount,
      baselineCount: errors.baselineCount,
      samples: samples(errors.samples),
    });
  }
  return surges;
}
