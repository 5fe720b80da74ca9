/** Printable asset label sheets (PDF) with tag, name and QR code. */
import { z } from 'zod';
import { call } from './contract';
import { id } from './common';
import { assetFilter, REGISTER_READERS, type ExportFile } from './assets';

export const LABEL_LAYOUTS = ['a4-3x8', 'avery-l7651', 'dymo-30252'] as const;
export type LabelLayout = (typeof LABEL_LAYOUTS)[number];

export interface LabelLayoutInfo {
  id: LabelLayout;
  name: string;
  /** Page size in millimetres. */
  pageWidthMm: number;
  pageHeightMm: number;
  labelWidthMm: number;
  labelHeightMm: number;
  columns: number;
  rows: number;
  perPage: number;
}

export const labelsCalls = {
  'labels.layouts': call<{ items: LabelLayoutInfo[] }>()(z.object({}).strict().default({}), REGISTER_READERS),
  /** Returns the PDF as base64 (ExportFile.encoding = 'base64'). */
  'labels.render': call<ExportFile & { labels: number; pages: number }>()(
    z
      .object({
        layout: z.enum(LABEL_LAYOUTS),
        ids: z.array(id).max(5000).optional(),
        tags: z.array(z.string().trim().min(1).max(64)).max(5000).optional(),
        /** Every asset matching a list filter (at most 5,000). */
        filter: assetFilter.optional(),
        /** Skip this many positions on the first sheet (a part-used sheet). */
        skip: z.number().int().min(0).max(200).default(0),
        /** Text under the name, e.g. the organisation. */
        caption: z.string().trim().max(60).optional(),
      })
      .strict()
      .refine((v) => (v.ids?.length ?? 0) + (v.tags?.length ?? 0) > 0 || v.filter !== undefined, {
        message: 'Choose the assets to label: ids, tags or a filter.',
      }),
    REGISTER_READERS,
  ),
};
