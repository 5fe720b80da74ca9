/** The tamper-evident audit trail. */
import { z } from 'zod';
import { call } from './contract';

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actorId: string | null;
  actorName: string | null;
  call: string;
  recordType: string;
  recordId: string | null;
  before: unknown;
  after: unknown;
  hash: string;
}

export interface ChainStatus {
  valid: boolean;
  count: number;
  head: string | null;
  /** The sequence number of the first event whose hash does not match, if any. */
  firstBroken: number | null;
}

export const auditCalls = {
  'audit.list': call<{ items: AuditEvent[]; nextCursor: string | null }>()(
    z
      .object({
        recordId: z.string().max(64).optional(),
        limit: z.number().int().min(1).max(500).default(100),
        cursor: z.string().max(40).nullable().optional(),
      })
      .strict(),
    ['admin', 'auditor'],
  ),
  'audit.verify': call<ChainStatus>()(z.object({}).strict().default({}), ['admin', 'auditor']),
};
