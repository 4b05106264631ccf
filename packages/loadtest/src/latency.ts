import hdr from 'hdr-histogram-js';

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  mean: number;
}

/**
 * Latencies in an HdrHistogram: recorded in microseconds with three significant
 * digits, so every percentile is within 0.1 % of the true one whatever the
 * range, and reported in milliseconds.
 */
export class LatencyHistogram {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    autoResize: true,
    numberOfSignificantValueDigits: 3,
  });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentile(p: number): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.getValueAtPercentile(p) / 1000;
  }

  summary(): Percentiles {
    const ms = (micros: number) => Math.round(micros) / 1000;
    const empty = this.histogram.totalCount === 0;
    return {
      count: this.histogram.totalCount,
      p50: empty ? 0 : ms(this.histogram.getValueAtPercentile(50)),
      p90: empty ? 0 : ms(this.histogram.getValueAtPercentile(90)),
      p99: empty ? 0 : ms(this.histogram.getValueAtPercentile(99)),
      p99_9: empty ? 0 : ms(this.histogram.getValueAtPercentile(99.9)),
      max: empty ? 0 : ms(this.histogram.maxValue),
      mean: empty ? 0 : ms(this.histogram.mean),
    };
  }
}
