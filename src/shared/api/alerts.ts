/** Alerts for the shell's panel and navigation count. */
import { z } from 'zod';
import { call } from './contract';
import { REGISTER_READERS } from './assets';

export const ALERT_KINDS = [
  'warranty_ending',
  'licence_renewal',
  'audit_overdue',
  'eol_software',
  'kev_exposure',
  'risk_acceptance_expired',
  'risk_review_overdue',
  'escalation_notice',
  'change_approval',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  warranty_ending: 'Warranty ending',
  licence_renewal: 'Licence renewal due',
  audit_overdue: 'Audit overdue',
  eol_software: 'End-of-life software',
  kev_exposure: 'Known exploited vulnerability',
  risk_acceptance_expired: 'Risk acceptance expired',
  risk_review_overdue: 'Risk review overdue',
  escalation_notice: 'Escalation',
  change_approval: 'Change awaiting your approval',
};

export interface Alert {
  /** Stable per subject: `${kind}:${recordId}[:detail]`, so the UI can remember dismissals. */
  id: string;
  kind: AlertKind;
  severity: 'info' | 'warning' | 'critical';
  title: string;
  detail: string;
  recordType: 'asset' | 'entitlement' | 'risk' | 'ticket' | 'change';
  recordId: string;
  /** A ticket's number (the queue opens tickets by number). */
  recordNumber?: string;
  /** The date the alert is about (warranty end, renewal, audit due, EOL, KEV due). */
  due: string | null;
}

export type AlertCounts = Record<AlertKind, number>;

export const alertsCalls = {
  'alerts.list': call<{ items: Alert[]; counts: AlertCounts; total: number }>()(
    z
      .object({
        kinds: z.array(z.enum(ALERT_KINDS)).max(ALERT_KINDS.length).optional(),
        /** Warranty and renewal horizon in days. */
        horizonDays: z.number().int().min(1).max(365).default(30),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict()
      .default({ horizonDays: 30, limit: 200 }),
    REGISTER_READERS,
  ),
  'alerts.count': call<{ total: number; counts: AlertCounts }>()(
    z.object({ horizonDays: z.number().int().min(1).max(365).default(30) }).strict().default({ horizonDays: 30 }),
    REGISTER_READERS,
  ),
};
