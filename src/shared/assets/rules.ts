/** Asset lifecycle, types and date helpers shared by the register, importers and the UI. */

export const ASSET_TYPES = [
  'laptop',
  'desktop',
  'server',
  'network',
  'printer',
  'phone',
  'peripheral',
  'software_licence',
  'cloud_subscription',
  'other',
] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export const ASSET_TYPE_LABELS: Record<AssetType, string> = {
  laptop: 'Laptop',
  desktop: 'Desktop',
  server: 'Server',
  network: 'Network device',
  printer: 'Printer',
  phone: 'Phone',
  peripheral: 'Peripheral',
  software_licence: 'Software licence',
  cloud_subscription: 'Cloud subscription',
  other: 'Other',
};

export const ASSET_STATUSES = ['on_order', 'in_stock', 'deployed', 'in_repair', 'retired', 'disposed'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

export const ASSET_STATUS_LABELS: Record<AssetStatus, string> = {
  on_order: 'On order',
  in_stock: 'In stock',
  deployed: 'Deployed',
  in_repair: 'In repair',
  retired: 'Retired',
  disposed: 'Disposed',
};

/** Allowed moves. Disposed is final; retired can come back to stock (a mistake, a resale that fell through). */
export const ASSET_TRANSITIONS: Record<AssetStatus, readonly AssetStatus[]> = {
  on_order: ['in_stock', 'deployed', 'retired'],
  in_stock: ['deployed', 'in_repair', 'retired'],
  deployed: ['in_stock', 'in_repair', 'retired'],
  in_repair: ['in_stock', 'deployed', 'retired'],
  retired: ['in_stock', 'disposed'],
  disposed: [],
};

export function canTransitionAsset(from: AssetStatus, to: AssetStatus): boolean {
  return ASSET_TRANSITIONS[from].includes(to);
}

export function assetTransitionError(from: AssetStatus, to: AssetStatus): string | null {
  if (from === to) return `The asset is already ${ASSET_STATUS_LABELS[to].toLowerCase()}.`;
  if (canTransitionAsset(from, to)) return null;
  const allowed = ASSET_TRANSITIONS[from].map((s) => ASSET_STATUS_LABELS[s].toLowerCase());
  return allowed.length
    ? `An asset that is ${ASSET_STATUS_LABELS[from].toLowerCase()} can only become ${allowed.join(', ')}.`
    : `A ${ASSET_STATUS_LABELS[from].toLowerCase()} asset cannot change status.`;
}

/** Statuses that leave an asset out of audits' expected lists and compliance counts. */
export const INACTIVE_STATUSES: readonly AssetStatus[] = ['retired', 'disposed', 'on_order'];

export const LOCATION_KINDS = ['building', 'floor', 'room', 'area'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export const RELATION_KINDS = ['part_of', 'connected_to'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/** Asset tags are compared without case and surrounding space: scanners and people disagree on both. */
export function normaliseTag(tag: string): string {
  return tag.trim().toUpperCase();
}
