import { type Entry, Fifo } from './write-group.js';

/**
 * Accepted ops waiting to be sent, in acceptance order, with the totals the dispatcher decides on (docs
 * and bytes waiting, truncates queued). A dropped entry stays in the FIFO and is skipped when reached.
 */
export class ReadyQueue {
  private readonly fifo = new Fifo<Entry>();
  private readyDocs = 0;
  private readyBytes = 0;
  private truncatesQueued = 0;

  get docs(): number {
    return this.readyDocs;
  }
  get bytes(): number {
    return this.readyBytes;
  }
  get truncates(): number {
    return this.truncatesQueued;
  }

  push(e: Entry): void {
    e.inReady = true;
    this.fifo.push(e);
    this.count(e, 1);
  }

  /** The oldest live entry. */
  peek(): Entry | undefined {
    for (;;) {
      const e = this.fifo.peek();
      if (e?.state !== 'dropped') return e;
      this.fifo.shift();
    }
  }

  /** Takes the head (as returned by peek) out of the queue. */
  remove(head: Entry): void {
    this.fifo.shift();
    this.forget(head);
  }

  /** Stops counting an entry that will never be sent from here (dropped); peek skips it later. */
  forget(e: Entry): void {
    if (!e.inReady) return;
    e.inReady = false;
    this.count(e, -1);
  }

  /** The next batch: up to maxDocs documents within maxBytes (one larger op alone), stopping at a truncate. */
  takeBatch(maxDocs: number, maxBytes: number): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (batch.length < maxDocs) {
      const e = this.peek();
      if (!e || e.op.action === 'truncate') break;
      if (batch.length > 0 && bytes + e.bytes > maxBytes) break;
      this.remove(e);
      batch.push(e);
      bytes += e.bytes;
    }
    return batch;
  }

  private count(e: Entry, sign: 1 | -1): void {
    if (e.op.action === 'truncate') this.truncatesQueued += sign;
    else {
      this.readyDocs += sign;
      this.readyBytes += sign * e.bytes;
    }
  }
}
