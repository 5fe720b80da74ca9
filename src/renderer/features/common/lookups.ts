/** People, groups, sites and settings for pickers, read through the query cache (only what the role may read). */
import type { Group, Site, User } from '../../../shared/api/directory';
import type { Settings } from '../../../shared/api/settings';
import { useCall } from '../../lib/query';
import { useRole } from '../../stores/session';

export interface Lookups {
  users: User[];
  groups: Group[];
  sites: Site[];
  settings: Settings | undefined;
}

export function useLookups(): Lookups {
  const role = useRole();
  const canListUsers = role === 'admin' || role === 'technician' || role === 'auditor';
  const users = useCall('users.list', canListUsers ? { includeInactive: false } : null);
  const groups = useCall('groups.list', role ? {} : null);
  const sites = useCall('sites.list', role ? {} : null);
  const settings = useCall('settings.get', role ? {} : null);
  return {
    users: users.data?.items ?? [],
    groups: groups.data?.items ?? [],
    sites: sites.data?.items ?? [],
    settings: settings.data,
  };
}

export const PRIORITY_COLORS: Record<number, string> = { 1: 'red', 2: 'orange', 3: 'yellow', 4: 'gray' };
export const STATUS_COLORS: Record<string, string> = {
  new: 'blue',
  assigned: 'indigo',
  in_progress: 'violet',
  pending: 'yellow',
  resolved: 'green',
  closed: 'gray',
  cancelled: 'gray',
};
