// The base of a stream translator that wraps another (metering, a front door's presentation, a quirk
// fix): the report reads through to the wrapped translator, so a wrapper overrides only what it changes.
import type { StreamTranslator, UnifiedUsage } from './provider-adapter.ts';

export abstract class DelegatingStreamTranslator<Inner extends StreamTranslator = StreamTranslator> implements StreamTranslator {
  protected readonly inner: Inner;

  constructor(inner: Inner) {
    this.inner = inner;
  }

  get usage(): UnifiedUsage | null {
    return this.inner.usage;
  }
  get finishReason(): string | null {
    return this.inner.finishReason;
  }
  get servedModel(): string | null {
    return this.inner.servedModel;
  }
  get failure(): StreamTranslator['failure'] {
    return this.inner.failure;
  }
  get finalBytes(): Uint8Array | null {
    return this.inner.finalBytes;
  }

  abstract push(event: Buffer, output: Uint8Array[]): void;

  end(): void {
    this.inner.end();
  }
}
