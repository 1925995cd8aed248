// Counter and histogram series that a request updates without prom-client's per-call work. A handle
// from prom-client's labels() still, on every inc or observe, builds the label object's hash string,
// validates the labels and looks the series up by that string (and a histogram converts its bucket bound
// to a property name): 7 updates per metered request cost more than the rest of the observer (about
// 3 µs of 6 in a loop, docs/observability.md, Cost). A series here adds to plain numbers, and the
// metric's collect, which prom-client runs at every scrape before reading the metric, adds them to
// prom-client's own series: a scrape reads what it read before, only the updates are cheaper.
import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration, type LabelValues } from 'prom-client';

/** One counter series' increments since the last scrape. */
export class PendingCount<T extends string> {
  value = 0;
  constructor(readonly labels: LabelValues<T>) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** A counter whose series are PendingCounts, one per label set. */
export class PendingCounter<T extends string> {
  readonly #series = new Map<string, PendingCount<T>>();

  constructor(configuration: Omit<CounterConfiguration<T>, 'collect'>) {
    const series = this.#series;
    new Counter<T>({
      ...configuration,
      collect() {
        for (const one of series.values()) {
          if (one.value === 0) continue;
          this.inc(one.labels, one.value);
          one.value = 0;
        }
      },
    });
  }

  /** The series of `labels` (`key` names them), made on first use. */
  series(key: string, labels: LabelValues<T>): PendingCount<T> {
    let one = this.#series.get(key);
    if (one === undefined) this.#series.set(key, (one = new PendingCount(labels)));
    return one;
  }
}

/** What prom-client keeps per histogram series (its hashMap's values; not in its typings). */
interface BucketData {
  labels: object;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** One histogram series' observations since the last scrape: counts per bucket (not cumulative), sum, count. */
export class PendingObservations<T extends string> {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** prom-client's series, made at the first scrape after the first observation (as observe() would have). */
  bucketData: BucketData | null = null;

  constructor(
    readonly labels: LabelValues<T>,
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let index = 0;
    // prom-client's bucket: the first bound the value is not above; above the last, only sum and count.
    while (index < bounds.length && value > (bounds[index] as number)) index++;
    if (index < bounds.length) this.counts[index]! += 1;
    this.sum += value;
    this.count += 1;
  }
}

/** A histogram whose series are PendingObservations, one per label set. */
export class PendingHistogram<T extends string> {
  readonly #series = new Map<string, PendingObservations<T>>();
  readonly #bounds: readonly number[];

  constructor(configuration: Omit<HistogramConfiguration<T>, 'collect'> & { buckets: number[] }) {
    const series = this.#series;
    const bounds = (this.#bounds = [...configuration.buckets].sort((a, b) => a - b));
    new Histogram<T>({
      ...configuration,
      collect() {
        for (const one of series.values()) {
          if (one.count === 0) continue;
          const data = (one.bucketData ??= bucketDataOf(this, configuration.name, one.labels));
          for (let index = 0; index < bounds.length; index++) data.bucketValues[bounds[index] as number]! += one.counts[index] as number;
          data.sum += one.sum;
          data.count += one.count;
          one.counts.fill(0);
          one.sum = 0;
          one.count = 0;
        }
      },
    });
  }

  /** The series of `labels` (`key` names them), made on first use. */
  series(key: string, labels: LabelValues<T>): PendingObservations<T> {
    let one = this.#series.get(key);
    if (one === undefined) this.#series.set(key, (one = new PendingObservations(labels, this.#bounds)));
    return one;
  }
}

/** prom-client's series of `labels`, made empty (zero()) and found by its labels object, which it keeps. */
function bucketDataOf<T extends string>(histogram: Histogram<T>, name: string, labels: LabelValues<T>): BucketData {
  histogram.zero(labels);
  const data = Object.values((histogram as unknown as { hashMap: Record<string, BucketData> }).hashMap).find((one) => one.labels === labels);
  // A prom-client that keeps its series otherwise fails here, at the first scrape, and in the tests.
  if (data === undefined || typeof data.bucketValues !== 'object') throw new Error(`prom-client histogram ${name}: no series for its labels after zero()`);
  return data;
}
