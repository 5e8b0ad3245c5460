/** What routes need, passed to each route plugin as its options (no globals). */
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { Diagnoser } from '../diagnose/diagnose.ts';
import type { Scanner } from '../fleet/scan.ts';
import type { SignalAnalysis } from '../fleet/signal-analysis.ts';
import type { Inventory } from '../inventory/inventory.ts';
import type { KnowledgeBase } from '../kb/knowledge-base.ts';
import type { LlmNarrator } from '../llm/index.ts';
import type { RootCauseAnalyzer } from '../rca/analyze.ts';
import type { ElasticsearchSource } from '../sources/elasticsearch.ts';
import type { PrometheusSource } from '../sources/prometheus.ts';

export interface ApiDeps {
  config: Config;
  clock: Clock;
  prometheus: PrometheusSource;
  elasticsearch: ElasticsearchSource;
  inventory: Inventory;
  diagnoser: Diagnoser;
  analysis: SignalAnalysis;
  scanner: Scanner;
  knowledgeBase: KnowledgeBase;
  rca: RootCauseAnalyzer;
  narrator: LlmNarrator;
  version: string;
}
