/**
 * A team's own asset status labels, as Snipe-IT keeps them: a name ("Pending Diagnostics") and a
 * lifecycle type that decides the asset's status in Outpost. Stored as one synced team setting.
 */
import { z } from 'zod';
import { ASSET_STATUSES, ASSET_STATUS_LABELS, type AssetStatus } from './rules';

/** Snipe-IT's four types, then Outpost's own states for a label that means exactly one of them. */
export const STATUS_LABEL_TYPES = ['deployable', 'pending', 'undeployable', 'archived', ...ASSET_STATUSES] as const;
export type StatusLabelType = (typeof STATUS_LABEL_TYPES)[number];

export const STATUS_LABEL_TYPE_NAMES: Record<StatusLabelType, string> = {
  deployable: 'Deployable (in stock; deployed when checked out)',
  pending: 'Pending (on order)',
  undeployable: 'Undeployable (in repair)',
  archived: 'Archived (retired)',
  on_order: `Outpost: ${ASSET_STATUS_LABELS.on_order}`,
  in_stock: `Outpost: ${ASSET_STATUS_LABELS.in_stock}`,
  deployed: `Outpost: ${ASSET_STATUS_LABELS.deployed}`,
  in_repair: `Outpost: ${ASSET_STATUS_LABELS.in_repair}`,
  retired: `Outpost: ${ASSET_STATUS_LABELS.retired}`,
  disposed: `Outpost: ${ASSET_STATUS_LABELS.disposed}`,
};

export interface StatusLabel {
  name: string;
  type: StatusLabelType;
}

export const statusLabelName = z
  .string()
  .trim()
  .min(1, 'A status label needs a name.')
  .max(80, 'A status label name is at most 80 characters.');
export const statusLabelsValue = z
  .array(z.object({ name: statusLabelName, type: z.enum(STATUS_LABEL_TYPES) }).strict())
  .max(500)
  .refine((ls) => new Set(ls.map((l) => statusLabelKey(l.name))).size === ls.length, { message: 'Each status label name appears once.' });

/** How names are compared: case, spacing and the kind of dash do not matter ("Broken - Not Fixable" = "Broken – Not Fixable"). */
export function statusLabelKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\u2010-\u2015\u2212]/g, '-')
    .replace(/\s*-\s*/g, ' - ')
    .replace(/[\s_]+/g, ' ');
}

/** Snipe-IT's default labels. The four it calls undeployable get the Outpost state they mean. */
export const SNIPE_IT_DEFAULT_LABELS: readonly StatusLabel[] = [
  { name: 'Ready to Deploy', type: 'deployable' },
  { name: 'Pending', type: 'pending' },
  { name: 'Archived', type: 'archived' },
  { name: 'Out for Diagnostics', type: 'in_repair' },
  { name: 'Out for Repair', type: 'in_repair' },
  { name: 'Broken – Not Fixable', type: 'retired' },
  { name: 'Lost/Stolen', type: 'retired' },
];

/** The asset status a label gives; a deployable asset is deployed while checked out. */
export function statusForLabel(type: StatusLabelType, checkedOut: boolean): AssetStatus {
  switch (type) {
    case 'deployable':
      return checkedOut ? 'deployed' : 'in_stock';
    case 'pending':
      return 'on_order';
    case 'undeployable':
      return 'in_repair';
    case 'archived':
      return 'retired';
    default:
      return type;
  }
}

/** A label's name that is simply one of Outpost's own statuses ("In stock", "deployed", "in_repair"). */
export function outpostStatusNamed(name: string): AssetStatus | null {
  const k = statusLabelKey(name);
  return ASSET_STATUSES.find((s) => s.replace('_', ' ') === k || ASSET_STATUS_LABELS[s].toLowerCase() === k) ?? null;
}

/** Words that say what an unknown label means, in order of precedence. */
const GUESSES: [RegExp, StatusLabelType][] = [
  [/undeploy|not deploy/, 'undeployable'],
  [/dispos|scrap|recycl|destroy/, 'disposed'],
  [/lost|stolen|missing|broken|archiv|retir|decommission|end of life|eol\b/, 'archived'],
  [/repair|diagnos|fault|defect|rma|warranty/, 'undeployable'],
  [/pending|order|await|incoming|reserved/, 'pending'],
  [/deployed|checked out|in use|assigned|issued/, 'deployed'],
  [/ready|deployable|stock|available|spare/, 'deployable'],
];

/** The type a label Outpost has never seen will get (the person can change it before importing). */
export function guessStatusLabelType(name: string): StatusLabelType {
  const k = statusLabelKey(name);
  for (const [re, t] of GUESSES) if (re.test(k)) return t;
  return 'undeployable';
}

/** Finds a label by name in the team's list, then among Snipe-IT's defaults. */
export function findStatusLabel(labels: readonly StatusLabel[], name: string): StatusLabel | null {
  const k = statusLabelKey(name);
  return labels.find((l) => statusLabelKey(l.name) === k) ?? SNIPE_IT_DEFAULT_LABELS.find((l) => statusLabelKey(l.name) === k) ?? null;
}

/**
 * What to call an asset's status: its label while the label still agrees with the status (a
 * status changed in Outpost since, say "Pending Diagnostics" → in stock, shows the new status).
 */
export function statusText(asset: { status: AssetStatus; statusLabel: string | null }, labels: readonly StatusLabel[]): string {
  if (asset.statusLabel) {
    const l = findStatusLabel(labels, asset.statusLabel);
    if (l && statusForLabel(l.type, false) === asset.status) return l.name;
  }
  return ASSET_STATUS_LABELS[asset.status];
}
