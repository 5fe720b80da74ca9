/**
 * Settings sub-pages. To add one (e.g. Sync, Data, Updates) add ONE entry: it appears as a tab under
 * Settings at /settings/<key> for the roles listed.
 */
import type { ComponentType } from 'react';
import type { Role } from '../../shared/api';
import { UsersSettings } from '../features/settings/UsersSettings';
import { GroupsSettings } from '../features/settings/GroupsSettings';
import { SitesSettings } from '../features/settings/SitesSettings';
import { PrioritySettings } from '../features/settings/PrioritySettings';
import { CategoriesSettings } from '../features/settings/CategoriesSettings';
import { AssetFieldsSettings } from '../features/settings/AssetFieldsSettings';
import { SyncSettings } from '../features/sync/SyncSettings';
import { ScannerSettings } from '../features/scan/ScannerSettings';
import { LocationsSettings } from '../features/assets/LocationsSettings';
import { SecuritySettings } from '../features/settings/SecuritySettings';
import { TicketImport } from '../features/tickets/TicketImport';
import { SlaSettings } from '../features/sla/SlaSettings';
import { RoutingSettings } from '../features/sla/RoutingSettings';
import { CatalogueSettings } from '../features/portal/CatalogueSettings';

export interface SettingsSection {
  key: string;
  label: string;
  roles: readonly Role[];
  element: ComponentType;
  order?: number;
}

export const settingsSections: SettingsSection[] = [
  { key: 'users', label: 'Users', roles: ['admin'], element: UsersSettings, order: 10 },
  { key: 'groups', label: 'Groups', roles: ['admin'], element: GroupsSettings, order: 20 },
  { key: 'sites', label: 'Sites', roles: ['admin'], element: SitesSettings, order: 30 },
  { key: 'priority', label: 'Priority matrix', roles: ['admin'], element: PrioritySettings, order: 40 },
  { key: 'categories', label: 'Categories', roles: ['admin'], element: CategoriesSettings, order: 50 },
  // ↓ other settings pages plug in here (one line each) ↓
  { key: 'ticket-import', label: 'Ticket import', roles: ['admin'], element: TicketImport, order: 58 },
  { key: 'sla', label: 'SLA policies', roles: ['admin', 'technician', 'auditor'], element: SlaSettings, order: 52 },
  { key: 'routing', label: 'Routing rules', roles: ['admin', 'technician', 'auditor'], element: RoutingSettings, order: 53 },
  { key: 'catalogue', label: 'Service catalogue', roles: ['admin'], element: CatalogueSettings, order: 54 },
  { key: 'asset-fields', label: 'Asset fields', roles: ['admin'], element: AssetFieldsSettings, order: 55 },
  { key: 'locations', label: 'Locations', roles: ['admin', 'technician'], element: LocationsSettings, order: 35 },
  { key: 'scanner', label: 'Scanner', roles: ['admin', 'technician', 'auditor'], element: ScannerSettings, order: 70 },
  { key: 'security', label: 'Security', roles: ['admin', 'technician', 'auditor', 'requester'], element: SecuritySettings, order: 65 },
  { key: 'sync', label: 'Sync', roles: ['admin', 'technician', 'auditor', 'requester'], element: SyncSettings, order: 60 },
];
