/**
 * Durable commits without blocking the event loop.
 *
 * In WAL mode, SQLite's `synchronous=FULL` is `synchronous=NORMAL` plus one sync of the WAL
 * file after each commit (https://www.sqlite.org/pragma.html#pragma_synchronous). With
 * better-sqlite3 that sync runs inside COMMIT on the JavaScript thread, so nothing else
 * happens while the disk flushes: no request is parsed, no next batch is prepared.
 *
 * `WalSync` does the same sync off the thread: the connection commits with NORMAL, and
 * then `sync()` fdatasyncs the WAL file on libuv's thread pool. The commit queue answers a
 * batch only when the sync that started after its commit has finished, so what is
 * acknowledged is on disk exactly as with FULL; meanwhile the thread prepares the next
 * batch (the pipelining of group commit in PostgreSQL and InnoDB). Frames written by later
 * commits before the power fails are cut off by SQLite's WAL recovery at the last intact
 * commit, as with FULL; none of them was acknowledged.
 *
 * fsync and fdatasync apply to the file, not to the descriptor, so syncing a descriptor of
 * our own covers what SQLite wrote through its own. The WAL file is never replaced while
 * the engine's connection is open (SQLite deletes it only when the last connection closes).
 */
import { open } from 'node:fs/promises';

/** Flushes the file to disk (the fdatasync of `syncFile`, injectable for tests). */
export type FileSync = (path: string) => Promise<void>;

/** fdatasync(2) of `path` on the thread pool. */
export const syncFile: FileSync = async (path) => {
  const handle = await open(path, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
};

/**
 * Coalescing syncs of one file. `sync()` resolves after a flush that STARTED after the call
 * (a flush already running may have started before the caller's commit, so it does not
 * count); calls made while a flush runs share the one flush that follows it.
 */
export class WalSync {
  readonly path: string;
  readonly #flush: FileSync;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  /** Flushes done (tests, the bench). */
  flushes = 0;

  constructor(path: string, flush: FileSync = syncFile) {
    this.path = path;
    this.#flush = flush;
  }

  /** Resolves when every write made before this call is on disk; rejects if the flush failed. */
  sync(): Promise<void> {
    if (!this.#running) return this.#start();
    if (!this.#next) {
      const after = this.#running.then(
        () => undefined,
        () => undefined,
      );
      this.#next = after.then(() => {
        this.#next = undefined;
        return this.#start();
      });
    }
    return this.#next;
  }

  /** Resolves when the flushes asked for so far are done (whatever their outcome). */
  settled(): Promise<void> {
    const last = this.#next ?? this.#running;
    return last ? last.then(
      () => undefined,
      () => undefined,
    ) : Promise.resolve();
  }

  #start(): Promise<void> {
    const run = this.#flush(this.path).then(() => {
      this.flushes++;
    });
    this.#running = run;
    const clear = () => {
      if (this.#running === run) this.#running = undefined;
    };
    run.then(clear, clear);
    return run;
  }
}
