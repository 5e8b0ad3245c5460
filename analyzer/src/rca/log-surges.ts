/** Log evidence for root-cause analysis: each instance's new, surging and error patterns from Elasticsearch. */
import { type ErrorSurge, type LogPatternReport, type PatternChange, readLogPatterns } from '../logs/index.ts';
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
  const surge = (kind: LogSurge['kind'], patternId: string, change: PatternChange | ErrorSurge): LogSurge => ({
    node: report.instanceId,
    patternId,
    kind,
    template: change.template,
    strength: change.strength,
    onsetMs: change.onset,
    count: change.currentCount,
    baselineCount: change.baselineCount,
    samples: change.samples.map((line) => line.message),
  });
  const surges = [
    ...report.newPatterns.map((change) => surge('new', change.id, change)),
    ...report.surgingPatterns.map((change) => surge('surging', change.id, change)),
  ];
  const errors = report.errorSurge;
  // An error surge made of one pattern already reported adds nothing new.
  if (errors && !surges.some((known) => known.patternId === errors.id)) {
    surges.push(surge('error-surge', `errors-${errors.id}`, errors));
  }
  return surges;
}
