/** Software products, licence entitlements, assignments, compliance and renewals. */
import { z } from 'zod';
import { call, STAFF } from './contract';
import { id, trimmed } from './common';
import { isoDate, REGISTER_READERS } from './assets';

export const LICENCE_TYPES = ['per_device', 'per_user', 'site', 'subscription'] as const;
export type LicenceType = (typeof LICENCE_TYPES)[number];
export const LICENCE_TYPE_LABELS: Record<LicenceType, string> = {
  per_device: 'Per device',
  per_user: 'Per user',
  site: 'Site licence',
  subscription: 'Subscription',
};

export interface SoftwareProduct {
  id: string;
  name: string;
  vendor: string | null;
  /**
   * Installed-software names that count as this product: case-insensitive substrings, one per
   * line (e.g. "Microsoft Office Professional"). Empty means the product name itself.
   */
  matchNames: string[];
  notes: string | null;
}

export interface Entitlement {
  id: string;
  productId: string;
  productName: string;
  type: LicenceType;
  /** Seats bought; null for unlimited (site licences). */
  seats: number | null;
  licenceKey: string | null;
  startDate: string | null;
  endDate: string | null;
  /** Total cost of the entitlement. */
  cost: number | null;
  supplier: string | null;
  orderNumber: string | null;
  licensedTo: string | null;
  notes: string | null;
  siteId: string;
  assigned: number;
  createdAt: string;
  updatedAt: string;
}

export interface LicenceAssignment {
  id: string;
  entitlementId: string;
  assetId: string | null;
  assetTag: string | null;
  userId: string | null;
  userName: string | null;
  assignedAt: string;
}

export interface ComplianceRow {
  productId: string;
  productName: string;
  vendor: string | null;
  /** Seats in force today (started, not ended); null when a site licence makes it unlimited. */
  entitled: number | null;
  /** Active assets with matching installed software. */
  installed: number;
  /** Seats assigned to assets or people. */
  assigned: number;
  /** Needed seats: the larger of installed and assigned. */
  used: number;
  /** entitled − used: negative means under-licensed (exposure), positive spare seats. */
  gap: number | null;
  /** 'expired': every entitlement has ended and nothing is in use; 'not_started': none has begun yet. */
  status: 'compliant' | 'under' | 'over' | 'unlimited' | 'expired' | 'not_started';
  /** Entitlements recorded for the product, and how many of them are in force today. */
  entitlements: number;
  inForce: number;
  /** Seats of entitlements that have ended (null when an ended one was unlimited). */
  expiredSeats: number | null;
  /** Average cost per seat across entitlements with a cost. */
  unitCost: number | null;
  /** Cost to buy the missing seats (under) or of the unused ones (over). */
  gapCost: number | null;
}

export interface Renewal {
  entitlementId: string;
  productId: string;
  productName: string;
  type: LicenceType;
  endDate: string;
  daysLeft: number;
  /** The first of 30/60/90 that contains the end date. */
  bucket: 30 | 60 | 90;
  seats: number | null;
  cost: number | null;
  supplier: string | null;
}

const entitlementFields = {
  productId: id,
  type: z.enum(LICENCE_TYPES),
  seats: z.number().int().min(0).max(10_000_000).nullable(),
  licenceKey: z.string().trim().max(2000).nullable(),
  startDate: isoDate.nullable(),
  endDate: isoDate.nullable(),
  cost: z.number().min(0).max(1e10).nullable(),
  supplier: z.string().trim().max(200).nullable(),
  orderNumber: z.string().trim().max(120).nullable(),
  licensedTo: z.string().trim().max(200).nullable(),
  notes: z.string().max(20000).nullable(),
  siteId: id,
};

const productFields = {
  name: trimmed(200, 'Product name'),
  vendor: z.string().trim().max(200).nullable(),
  matchNames: z.array(z.string().trim().min(1).max(200)).max(50),
  notes: z.string().max(20000).nullable(),
};

export const licencesCalls = {
  'licences.products': call<{ items: (SoftwareProduct & { entitlements: number })[] }>()(
    z.object({ text: z.string().trim().max(200).optional() }).strict().default({}),
    REGISTER_READERS,
  ),
  'licences.createProduct': call<SoftwareProduct>()(
    z.object(productFields).partial().extend({ name: productFields.name }).strict(),
    STAFF,
    { mutates: true },
  ),
  'licences.updateProduct': call<SoftwareProduct>()(
    z.object({ id, fields: z.object(productFields).partial().strict() }).strict(),
    STAFF,
    { mutates: true },
  ),
  'licences.list': call<{ items: Entitlement[] }>()(
    z.object({ productId: id.optional(), expiringBefore: isoDate.optional() }).strict().default({}),
    REGISTER_READERS,
  ),
  'licences.get': call<Entitlement & { assignments: LicenceAssignment[] }>()(z.object({ id }).strict(), REGISTER_READERS),
  'licences.create': call<Entitlement>()(
    z.object(entitlementFields).partial().extend({ productId: id, type: z.enum(LICENCE_TYPES) }).strict(),
    STAFF,
    { mutates: true },
  ),
  'licences.update': call<Entitlement>()(
    z.object({ id, fields: z.object(entitlementFields).partial().strict() }).strict(),
    STAFF,
    { mutates: true },
  ),
  /** Assign a seat to an asset (per-device) or a person (per-user); refuses when no seat is free. */
  'licences.assign': call<LicenceAssignment>()(
    z
      .object({ entitlementId: id, assetId: id.optional(), userId: id.optional() })
      .strict()
      .refine((v) => (v.assetId ? 1 : 0) + (v.userId ? 1 : 0) === 1, { message: 'Assign to exactly one asset or one person.' }),
    STAFF,
    { mutates: true },
  ),
  'licences.unassign': call<{ done: true }>()(z.object({ assignmentId: id }).strict(), STAFF, { mutates: true }),
  'licences.compliance': call<{ items: ComplianceRow[]; totals: { under: number; over: number; expired: number; gapCost: number } }>()(
    z.object({ productId: id.optional() }).strict().default({}),
    REGISTER_READERS,
  ),
  'licences.renewals': call<{ items: Renewal[] }>()(
    z
      .object({ days: z.union([z.literal(30), z.literal(60), z.literal(90)]).default(90) })
      .strict()
      .default({ days: 90 }),
    REGISTER_READERS,
  ),
};
