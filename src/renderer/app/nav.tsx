/**
 * The navigation registry: one entry per screen. To add a screen (Assets, Audits, Licences, Software,
 * Conflicts, …) add ONE entry below; the shell draws the nav link, the route, the palette's "Go to" action
 * and hides it from roles not listed. An entry owns its path and everything below it
 * ('/assets' also receives '/assets/AST-000321'; read the rest with useRoute().segments).
 * Settings sub-pages register in ./settings-sections.tsx instead.
 */
import { useEffect, type ComponentType, type ReactNode } from 'react';
import { navigate } from '../lib/router';
import { IconInbox, IconListDetails, IconSettings, IconInfoCircle } from '@tabler/icons-react';
import type { Role } from '../../shared/api';
import { QueuePage } from '../features/tickets/QueuePage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { AboutPage } from '../features/about/AboutPage';
import { settingsSections } from './settings-sections';
import { IconBell, IconBox, IconCertificate, IconClipboardCheck, IconPackages } from '@tabler/icons-react';
import { AssetsPage } from '../features/assets/AssetsPage';
import { AuditsPage } from '../features/audits/AuditsPage';
import { LicencesPage } from '../features/licences/LicencesPage';
import { SoftwarePage } from '../features/software/SoftwarePage';
import { AlertsNavBadge, AlertsPage } from '../features/alerts/AlertsBell';
import { IconGitMerge } from '@tabler/icons-react';
import { ConflictsNavBadge, ConflictsPage } from '../features/sync/ConflictsPage';
import { IconTimelineEvent } from '@tabler/icons-react';
import { AuditTrailPage } from '../features/audit-trail/AuditTrailPage';
import { IconAlertTriangle, IconChecklist, IconShieldCheck } from '@tabler/icons-react';
import { RisksPage } from '../features/risks/RisksPage';
import { ControlsPage } from '../features/risks/ControlsPage';
import { AssessmentsPage } from '../features/assessments/AssessmentsPage';
import { IconChartBar } from '@tabler/icons-react';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { IconBug } from '@tabler/icons-react';
import { ProblemsPage } from '../features/problems/ProblemsPage';
import { IconFlag } from '@tabler/icons-react';
import { FindingsPage } from '../features/findings/FindingsPage';
import { IconArrowsExchange } from '@tabler/icons-react';
import { ChangesPage } from '../features/changes/ChangesPage';
import { IconBook } from '@tabler/icons-react';
import { KnowledgePage } from '../features/knowledge/KnowledgePage';
import { IconReportAnalytics } from '@tabler/icons-react';
import { ReportsPage } from '../features/reports/ReportsPage';

export interface NavEntry {
  /** Route, e.g. '/assets'. Must be unique; deeper paths are routed to the same entry. */
  path: string;
  label: string;
  icon: ComponentType<{ size?: number | string; stroke?: number }>;
  /** Roles that see and may open it. Absent for everyone else (not disabled). */
  roles: readonly Role[];
  element: ComponentType;
  /** Optional small count next to the label (a component so it can use hooks, e.g. useCall). Return null for none. */
  badge?: ComponentType;
  /** 'main' (top list, default) or 'footer' (Conflicts, Settings, About: pinned at the bottom). */
  section?: 'main' | 'footer';
  /** Sort key within its section; lower first. Defaults to 100. */
  order?: number;
  /** Words the palette also matches ("inventory" for Assets…). */
  keywords?: string[];
}

const STAFF_AND_AUDITOR: readonly Role[] = ['admin', 'technician', 'auditor'];

/** The app shows a requester the portal on every path but settings and About (App.tsx); this only sends a stray render there. */
function ToPortalTickets() {
  useEffect(() => navigate('/portal/tickets'), []);
  return null;
}

export const navEntries: NavEntry[] = [
  { path: '/queue', label: 'Queue', icon: IconListDetails, roles: STAFF_AND_AUDITOR, element: QueuePage, order: 10, keywords: ['tickets', 'triage', 'incidents'] },
  // Requesters' own tickets live in the portal: the console's frame (their settings and About) links there.
  { path: '/requests', label: 'My requests', icon: IconInbox, roles: ['requester'], element: ToPortalTickets, order: 10, keywords: ['tickets'] },
  // ↓ other screens plug in here (one line each) ↓
  { path: '/problems', label: 'Problems', icon: IconBug, roles: STAFF_AND_AUDITOR, element: ProblemsPage, order: 15, keywords: ['known errors', 'root cause', 'workaround', 'post-incident review', 'itil'] },
  { path: '/changes', label: 'Changes', icon: IconArrowsExchange, roles: STAFF_AND_AUDITOR, element: ChangesPage, order: 16, keywords: ['change calendar', 'approvals', 'cab', 'schedule', 'maintenance window', 'itil'] },
  { path: '/dashboard', label: 'Dashboard', icon: IconChartBar, roles: STAFF_AND_AUDITOR, element: DashboardPage, order: 20, keywords: ['kpi', 'figures', 'mttr', 'sla', 'backlog'] },
  { path: '/reports', label: 'Reports', icon: IconReportAnalytics, roles: STAFF_AND_AUDITOR, element: ReportsPage, order: 21, keywords: ['service review', 'pdf', 'csv', 'export', 'licence compliance', 'asset register', 'print'] },
  { path: '/assets', label: 'Assets', icon: IconBox, roles: STAFF_AND_AUDITOR, element: AssetsPage, order: 30, keywords: ['inventory', 'hardware', 'import', 'labels', 'scan'] },
  { path: '/audits', label: 'Audits', icon: IconClipboardCheck, roles: STAFF_AND_AUDITOR, element: AuditsPage, order: 40, keywords: ['inventory audit', 'scan', 'reconciliation'] },
  { path: '/licences', label: 'Licences', icon: IconCertificate, roles: STAFF_AND_AUDITOR, element: LicencesPage, order: 50, keywords: ['compliance', 'entitlements', 'renewals', 'licenses'] },
  { path: '/software', label: 'Software', icon: IconPackages, roles: STAFF_AND_AUDITOR, element: SoftwarePage, order: 60, keywords: ['end of life', 'eol', 'kev', 'vulnerabilities'] },
  { path: '/risks', label: 'Risks', icon: IconAlertTriangle, roles: STAFF_AND_AUDITOR, element: RisksPage, order: 62, keywords: ['risk register', 'heat map', 'grc', 'likelihood', 'impact'] },
  { path: '/controls', label: 'Controls', icon: IconShieldCheck, roles: STAFF_AND_AUDITOR, element: ControlsPage, order: 63, keywords: ['applied controls', 'measures', 'treatment', 'grc'] },
  { path: '/findings', label: 'Findings', icon: IconFlag, roles: STAFF_AND_AUDITOR, element: FindingsPage, order: 65, keywords: ['non-conformity', 'observation', 'audit findings', 'grc'] },
  { path: '/assessments', label: 'Assessments', icon: IconChecklist, roles: STAFF_AND_AUDITOR, element: AssessmentsPage, order: 64, keywords: ['compliance', 'framework', 'nist', 'iso', 'grc', 'requirements'] },
  { path: '/audit-trail', label: 'Audit trail', icon: IconTimelineEvent, roles: ['admin', 'auditor'], element: AuditTrailPage, order: 80, keywords: ['history', 'changes', 'who changed', 'evidence', 'hash chain'] },
  { path: '/knowledge', label: 'Knowledge', icon: IconBook, roles: ['admin', 'technician', 'auditor', 'requester'], element: KnowledgePage, order: 66, keywords: ['kb', 'articles', 'how to', 'solutions', 'faq'] },
  { path: '/alerts', label: 'Alerts', icon: IconBell, roles: STAFF_AND_AUDITOR, element: AlertsPage, badge: AlertsNavBadge, order: 70, keywords: ['warranty', 'renewal', 'overdue'] },

  { path: '/conflicts', label: 'Conflicts', icon: IconGitMerge, roles: ['admin', 'technician'], element: ConflictsPage, badge: ConflictsNavBadge, section: 'footer', order: 800, keywords: ['sync', 'merge', 'keep mine', 'keep theirs'] },
  // ↑ ─────────────────────────────────────────── ↑
  { path: '/settings', label: 'Settings', icon: IconSettings, roles: settingsRoles(), element: SettingsPage, section: 'footer', order: 900, keywords: ['users', 'groups', 'sites', 'priority', 'categories'] },
  { path: '/about', label: 'About', icon: IconInfoCircle, roles: ['admin', 'technician', 'auditor', 'requester'], element: AboutPage, section: 'footer', order: 990, keywords: ['version', 'audit chain'] },
];

/** Settings shows for every role that can open at least one of its sections. */
function settingsRoles(): Role[] {
  return [...new Set(settingsSections.flatMap((s) => s.roles))];
}

/** Entries visible to `role`, in display order. */
export function entriesFor(role: Role | null, section?: 'main' | 'footer'): NavEntry[] {
  if (!role) return [];
  return navEntries
    .filter((e) => e.roles.includes(role) && (!section || (e.section ?? 'main') === section))
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100));
}

/** The landing screen for a role: its first main entry. */
export function homeFor(role: Role | null): string {
  return entriesFor(role, 'main')[0]?.path ?? entriesFor(role)[0]?.path ?? '/about';
}

export type { ReactNode };
