import { Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';

/**
 * Said once the process has stopped taking requests (SIGTERM) and before it waits for the ones in
 * flight. An answer that never ends by itself (an event stream) must end here: the wait would
 * otherwise last until the process is killed, and nothing after it would run (shutdown hooks:
 * outbox flush, consumers, the gateway's key-usage report).
 */
@Injectable()
export class Draining {
  private readonly listeners = new Set<() => void>();
  private begun = false;

  /** Returns the way to stop listening. */
  onDrain(listener: () => void): () => void {
    if (this.begun) {
      listener();
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Emits once, when draining begins: for `takeUntil` on an event stream. */
  drained(): Observable<void> {
    return new Observable<void>((subscriber) =>
      this.onDrain(() => {
        subscriber.next();
        subscriber.complete();
      }),
    );
  }

  begin(): void {
    this.begun = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}
