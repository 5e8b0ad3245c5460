/**
 * Thrown when a series has too few observed points to forecast. Everything that depends on the data
 * itself (a constant series, a limit never reached) is a result, not an error.
 */
export class InsufficientDataError extends Error {
  override readonly name = 'InsufficientDataError';
  readonly points: number;
  readonly required: number;

  constructor(points: number, required: number) {
    super(`a forecast needs at least ${required} observed points, got ${points}`);
    this.points = points;
    this.required = required;
  }
}
