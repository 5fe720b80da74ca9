/** Pieces shared by the asset, audit, licence and software screens: status badges, pickers, invalidation. */
import { Badge, Select, type SelectProps } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { ASSET_STATUS_LABELS, ASSET_TYPE_LABELS, type AssetStatus, type AssetType } from '../../../shared/assets/rules';
import { statusText } from '../../../shared/assets/status-labels';
import { errorMessage } from '../../lib/client';
import { invalidate, useCall } from '../../lib/query';
import { isStaff, useRole } from '../../stores/session';

export const STATUS_COLORS: Record<AssetStatus, string> = {
  on_order: 'grape',
  in_stock: 'blue',
  deployed: 'teal',
  in_repair: 'orange',
  retired: 'gray',
  disposed: 'dark',
};

/**
 * An asset's status; with `label` (the team's own status label it carries, e.g. Snipe-IT's
 * "Pending Diagnostics") the label is shown while it still agrees with the status.
 */
export function StatusBadge({ status, label = null }: { status: AssetStatus; label?: string | null }) {
  const labels = useCall('assets.statusLabels', label ? {} : null);
  const text = label ? statusText({ status, statusLabel: label }, labels.data?.items ?? []) : ASSET_STATUS_LABELS[status];
  return (
    <Badge
      color={STATUS_COLORS[status]}
      variant="light"
      size="sm"
      data-testid="asset-status"
      title={text === ASSET_STATUS_LABELS[status] ? undefined : `${text} (${ASSET_STATUS_LABELS[status].toLowerCase()})`}
    >
      {text}
    </Badge>
  );
}

export function typeLabel(t: AssetType) {
  return ASSET_TYPE_LABELS[t];
}

/** Every domain an asset change can touch: the asset event only names "assets". */
const ASSET_DOMAINS = ['assets', 'locations', 'audits', 'licences', 'software', 'maintenance', 'alerts', 'labels', 'tickets', 'audit'];

export function invalidateAssetData() {
  invalidate((name) => ASSET_DOMAINS.includes(name.split('.')[0]!));
}

/**
 * Runs a mutation with the toasts every action gives: success in plain words, failure with the
 * server's message. Returns the value, or undefined when it failed.
 */
export async function runAction<T>(work: () => Promise<T>, success: string | ((v: T) => string)): Promise<T | undefined> {
  try {
    const v = await work();
    invalidateAssetData();
    notifications.show({ color: 'green', message: typeof success === 'string' ? success : success(v) });
    return v;
  } catch (e) {
    notifications.show({ color: 'red', title: 'That did not work', message: errorMessage(e) });
    return undefined;
  }
}

export function useCanEditAssets(): boolean {
  return isStaff(useRole());
}

/** Location picker showing full paths ("HQ › Building A › Room 101"). */
export function LocationSelect(props: Omit<SelectProps, 'data'> & { siteId?: string }) {
  const { siteId, ...rest } = props;
  const q = useCall('locations.list', siteId ? { siteId } : {});
  const data = (q.data?.items ?? []).map((l) => ({ value: l.id, label: l.path || l.name }));
  return (
    <Select
      searchable
      clearable
      nothingFoundMessage={q.loading ? 'Loading locations…' : 'No location matches'}
      placeholder={q.loading ? 'Loading…' : 'Choose a location'}
      data={data}
      {...rest}
    />
  );
}

/** Person picker over active users. */
export function PersonSelect(props: Omit<SelectProps, 'data'>) {
  const q = useCall('users.list', {});
  const data = (q.data?.items ?? []).filter((u) => u.active).map((u) => ({ value: u.id, label: `${u.displayName} (${u.username})` }));
  return (
    <Select
      searchable
      clearable
      nothingFoundMessage={q.loading ? 'Loading people…' : 'Nobody matches'}
      placeholder={q.loading ? 'Loading…' : 'Choose a person'}
      data={data}
      {...props}
    />
  );
}

const dateFmt = new Intl.DateTimeFormat(typeof navigator !== 'undefined' ? navigator.language : undefined, { dateStyle: 'medium' });

/** A calendar date (yyyy-mm-dd) in the user's locale, without time-zone shifts. */
export function formatDay(d: string | null | undefined): string {
  if (!d) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  if (!m) return d;
  return dateFmt.format(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

const money = new Intl.NumberFormat(typeof navigator !== 'undefined' ? navigator.language : undefined, {
  maximumFractionDigits: 2,
  minimumFractionDigits: 2,
});

export function formatMoney(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : money.format(n);
}

/** Today as yyyy-mm-dd in local time, for date inputs. */
export function today(offsetDays = 0): string {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Link target of an asset page: by tag (readable URLs), by id when that is all we have. */
export function assetHref(ref: string): string {
  return `#/assets/${encodeURIComponent(ref)}`;
}
