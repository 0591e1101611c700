/**
 * Installed business-calendar versions (issue 15 §4). Every calendar data file a database
 * has used lives in it (`calendar_versions`, storage/migrations/…001200), in install order:
 *
 * - Install 1 is the **baseline**: what a new database starts with (the repository's
 *   `calendars/data/kz.json`, the calendar passed to `createEngine`). Events computed with
 *   it are stored as before (no `calendar_version`), so every history recorded before
 *   versions existed, and every golden hash, stays byte-identical.
 * - The highest install is the **newest**: every process computes every new step with it
 *   (the runner's `deps`), and the case views, pages and calendar routes show it.
 * - A release that ships a changed data file installs it at start-up as the newest (the
 *   shipped version is not among the installed ones); `npm run calendar -- apply` installs
 *   a decree's file the same way. The same version may come back later as a newer install
 *   (a revoked decree): versions name data, install numbers name the order.
 *
 * An event computed with a version other than the baseline records it
 * (`EventRecord.calendarVersion`, hashed when present), and replay folds each event with the
 * calendar of its version (`depsFor`), so a history spanning a change replays exactly.
 * Each version has ONE `MachineDeps` object: the procedures compile their machine once per
 * deps object (machines/runtime.ts), and the runner tells a live session of another version
 * by it.
 */
import { randomUUID } from 'node:crypto';
import { calendarDataVersion, calendarSource, createCalendar, type CalendarData, type CalendarOptions } from '../calendars/index.js';
import type { BusinessCalendar } from '../calendars/types.js';
import type { MachineDeps } from '../machines/contract.js';
import type { CalendarVersionRecord, CalendarVersionRepository } from '../storage/index.js';

/** Where an installed version came from. */
export type CalendarSourceKind = 'shipped' | 'cli' | 'admin';

/** One installed version, as the engine holds it. */
export interface InstalledCalendar {
  installNo: number;
  version: string;
  source: string;
  installedAt: string;
  deps: MachineDeps;
}

/** What a fold needs to step each event with the calendar it was computed with (engine/corrections.ts). */
export interface DepsByVersion {
  /** The deps of `version` (undefined or null: the baseline); undefined when not installed. */
  depsFor(version: string | null | undefined): MachineDeps | undefined;
}

export class CalendarVersions implements DepsByVersion {
  readonly #readings: MachineDeps['readings'];
  readonly #targets: MachineDeps['targets'];
  readonly #options: CalendarOptions;
  /** The calendar passed to the engine: its own object serves its version. */
  readonly #shipped: BusinessCalendar;
  readonly #byVersion = new Map<string, MachineDeps>();
  #installs: InstalledCalendar[] = [];
  #baseline: MachineDeps;
  #current: MachineDeps;
  /** Told (synchronously) when the newest version changes. */
  readonly #listeners = new Set<(current: MachineDeps, previous: MachineDeps) => void>();

  /** A set of one version, `shipped`, until `load` reads the database's. */
  constructor(shipped: BusinessCalendar | MachineDeps, readings?: MachineDeps['readings'], targets?: MachineDeps['targets']) {
    const deps: MachineDeps =
      'calendar' in shipped ? shipped : { calendar: shipped, ...(readings ? { readings } : {}), ...(targets ? { targets } : {}) };
    this.#shipped = deps.calendar;
    this.#readings = deps.readings;
    this.#targets = deps.targets;
    this.#options = calendarSource(deps.calendar)?.options ?? {};
    this.#byVersion.set(deps.calendar.version, deps);
    this.#baseline = deps;
    this.#current = deps;
  }

  /** The newest installed version: every new step is computed with it. */
  get current(): MachineDeps {
    return this.#current;
  }
  /** Install 1: events computed with it record no version. */
  get baseline(): MachineDeps {
    return this.#baseline;
  }
  get shipped(): BusinessCalendar {
    return this.#shipped;
  }
  /** The installs, oldest first (empty until loaded from a database that has them). */
  get installs(): readonly InstalledCalendar[] {
    return this.#installs;
  }
  get latestInstallNo(): number {
    return this.#installs.at(-1)?.installNo ?? 0;
  }

  depsFor(version: string | null | undefined): MachineDeps | undefined {
    if (version === null || version === undefined) return this.#baseline;
    return this.#byVersion.get(version);
  }

  /** The version an event computed with `deps` records: null for the baseline. */
  recordedVersion(deps: MachineDeps): string | null {
    return deps.calendar.version === this.#baseline.calendar.version ? null : deps.calendar.version;
  }

  /** Calls `fn(current, previous)` whenever the newest version changes; returns the unsubscribe. */
  onChange(fn: (current: MachineDeps, previous: MachineDeps) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The deps of a version's data (built once per version, with the shipped calendar's options). */
  #depsOf(record: Pick<CalendarVersionRecord, 'version' | 'dataJson'>): MachineDeps {
    const known = this.#byVersion.get(record.version);
    if (known) return known;
    const calendar = createCalendar(JSON.parse(record.dataJson), this.#options, `calendar version ${record.version}`);
    if (calendar.version !== record.version) {
      throw new Error(`calendar version ${record.version}: its stored data hashes to ${calendar.version}; the database's calendar_versions row is damaged`);
    }
    const deps: MachineDeps = {
      calendar,
      ...(this.#readings ? { readings: this.#readings } : {}),
      ...(this.#targets ? { targets: this.#targets } : {}),
    };
    this.#byVersion.set(record.version, deps);
    return deps;
  }

  /**
   * Takes the database's installs (all of them, in order). Returns true when the newest
   * version changed (the listeners have been told).
   */
  load(records: readonly CalendarVersionRecord[]): boolean {
    if (records.length === 0) return false;
    const installs = records.map((r) => ({ installNo: r.installNo, version: r.version, source: r.source, installedAt: r.installedAt, deps: this.#depsOf(r) }));
    this.#installs = installs;
    this.#baseline = installs[0]!.deps;
    const previous = this.#current;
    this.#current = installs.at(-1)!.deps;
    if (this.#current === previous) return false;
    for (const l of this.#listeners) l(this.#current, previous);
    return true;
  }

  /** Reads the installs again (another process may have installed one); true when the newest changed. */
  async refresh(repo: CalendarVersionRepository): Promise<boolean> {
    if ((await repo.latestInstallNo()) === this.latestInstallNo) return false;
    return this.load(await repo.list());
  }
}

/** A data file ready to install: validated, with its version. */
export interface CalendarCandidate {
  data: CalendarData;
  version: string;
}

export function candidateOf(data: CalendarData): CalendarCandidate {
  return { data, version: calendarDataVersion(data) };
}

/**
 * Installs `candidate` as the newest version, in the caller's write transaction (`repo`
 * bound to it): nothing when it is the newest already. `unlessInstalled`: nothing when the
 * version is installed at all (start-up with the shipped file: a version installed before
 * and since replaced by a decree is not brought back by a restart).
 * Returns the install number written, or undefined.
 */
export async function installVersion(
  repo: CalendarVersionRepository,
  candidate: CalendarCandidate,
  source: CalendarSourceKind,
  now: string,
  options: { unlessInstalled?: boolean } = {},
): Promise<number | undefined> {
  const installs = await repo.list();
  const newest = installs.at(-1);
  if (newest?.version === candidate.version) return undefined;
  if (options.unlessInstalled && installs.some((i) => i.version === candidate.version)) return undefined;
  const installNo = (newest?.installNo ?? 0) + 1;
  await repo.insert({
    id: randomUUID(),
    installNo,
    calendarId: candidate.data.id,
    version: candidate.version,
    dataJson: JSON.stringify(candidate.data),
    source,
    installedAt: now,
  });
  return installNo;
}
