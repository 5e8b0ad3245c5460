/** Log pattern mining: templates of an instance's lines, and what changed between a baseline and now. */
export {
  binomialUpperTail,
  type CompareOptions,
  compareWindows,
  DEFAULT_COMPARE_OPTIONS,
  type ErrorSurge,
  type LogComparison,
  type PatternChange,
  type RateChange,
  type Span,
} from './compare.ts';
export { LEVEL_FAMILIES, type LevelFamily, levelFamily, levelMix } from './levels.ts';
export { maskMessage, WILDCARD } from './mask.ts';
export {
  DEFAULT_LOG_PATTERN_LIMITS,
  type LogPatternLimits,
  type LogPatternReport,
  type LogTarget,
  readLogPatterns,
} from './read.ts';
export {
  BASELINE,
  CURRENT,
  DEFAULT_MINER_OPTIONS,
  type MinedLine,
  type MinerOptions,
  type PatternCluster,
  TemplateMiner,
  type WindowIndex,
} from './templates.ts';
