/**
 * Status labels during an asset import: a status cell names a label of the team (or one of
 * Snipe-IT's defaults, or one of Outpost's own statuses); any other name becomes a new team label,
 * of the type the person picked in the preview or the one guessed from its words.
 */
import type Database from 'better-sqlite3';
import { ownCopy } from '../../core/own-string';
import type { AssetStatus } from '../../../../shared/assets/rules';
import {
  findStatusLabel,
  guessStatusLabelType,
  outpostStatusNamed,
  statusLabelKey,
  type StatusLabel,
  type StatusLabelType,
} from '../../../../shared/assets/status-labels';
import { parseSettingValue, teamSettingId } from '../../../../shared/settings/team';
import type { ImportStatusLabel } from '../../../../shared/api/assets';
import type { WriteScope } from '../../core/write';
import { putRow } from '../../settings/team-rows';

/** The team's labels as stored (an unreadable value counts as none: Snipe-IT's defaults still apply). */
export function teamStatusLabels(sqlite: Database.Database): StatusLabel[] {
  const text = sqlite
    .prepare('SELECT value FROM team_settings WHERE id = ? AND deleted_hlc IS NULL')
    .pluck()
    .get(teamSettingId('asset_status_labels')) as string | undefined;
  return parseSettingValue('asset_status_labels', text) ?? [];
}

/** What a status cell resolves to: the label to keep on the asset (null for a plain Outpost status) and its type. */
export interface ResolvedStatus {
  label: string | null;
  type: StatusLabelType;
}

export class StatusLabels {
  private readonly team: StatusLabel[];
  /** key → label used by this file (existing, default or new), with its row count. */
  private readonly used = new Map<string, { label: StatusLabel; source: ImportStatusLabel['source']; rows: number }>();
  private readonly cache = new Map<string, ResolvedStatus>();

  constructor(
    sqlite: Database.Database,
    /** Team settings are an administrator's: only they may add labels. */
    readonly mayAdd: boolean,
    /** Types the person chose for new labels in the preview (label name → type). */
    private readonly chosen: Record<string, StatusLabelType> = {},
  ) {
    this.team = teamStatusLabels(sqlite);
  }

  resolve(text: string): ResolvedStatus {
    let cellText = text.trim().replace(/\s+/g, ' ');
    let key = statusLabelKey(cellText);
    let r = this.cache.get(key);
    if (!r) {
      // A label first met is kept as its own copy (see ownCopy): not the chunk of the file it came from.
      cellText = ownCopy(cellText);
      key = ownCopy(key);
      const own: AssetStatus | null = outpostStatusNamed(cellText);
      const known = own ? null : findStatusLabel(this.team, cellText);
      if (own) r = { label: null, type: own };
      else {
        const inTeam = this.team.some((l) => statusLabelKey(l.name) === key);
        const source = inTeam ? 'team' : known ? 'snipe-it' : 'new';
        const chosenType = Object.entries(this.chosen).find(([n]) => statusLabelKey(n) === key)?.[1];
        // A new label takes the type the person chose (else a guess from its words); known ones keep theirs.
        const label: StatusLabel = known ?? { name: cellText, type: chosenType ?? guessStatusLabelType(cellText) };
        this.used.set(key, { label, source, rows: 0 });
        r = { label: label.name, type: label.type };
      }
      this.cache.set(key, r);
    }
    const u = this.used.get(key);
    if (u) u.rows++;
    return r;
  }

  /** The labels the file uses, for the preview: new ones first. */
  summary(): ImportStatusLabel[] {
    return [...this.used.values()]
      .map((u) => ({ name: u.label.name, type: u.label.type, source: u.source, rows: u.rows }))
      .sort((a, b) => Number(b.source === 'new') - Number(a.source === 'new') || a.name.localeCompare(b.name));
  }

  /** Labels neither the team nor Snipe-IT's defaults have: the import adds them to the team's list. */
  newLabels(): StatusLabel[] {
    return [...this.used.values()].filter((u) => u.source === 'new').map((u) => u.label);
  }

  /** Adds the new labels to the team's list (one synced team setting), inside the import's write. */
  commit(sqlite: Database.Database, w: WriteScope): void {
    const added = this.newLabels();
    if (!added.length) return;
    // Re-read inside the transaction: the list may have grown since the plan was made.
    const current = teamStatusLabels(sqlite);
    const keys = new Set(current.map((l) => statusLabelKey(l.name)));
    const next = [...current, ...added.filter((l) => !keys.has(statusLabelKey(l.name)))];
    putRow(sqlite, w, 'team_settings', teamSettingId('asset_status_labels'), { key: 'asset_status_labels', value: JSON.stringify(next) });
  }
}
