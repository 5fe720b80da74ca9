/** Triage suggestions: category and group with a confidence, and similar or possibly duplicate tickets, for a ticket's text. */
import { z } from 'zod';
import { call, STAFF } from './contract';
import { id } from './common';
import type { TicketStatus } from '../tickets/rules';

export interface TriageChoice {
  /** What accepting sets: the category's name, or the group's id. */
  value: string;
  /** What the user reads: the category, or the group's name. */
  label: string;
  /** The model's probability for this choice, 0–1. */
  confidence: number;
}

export interface SimilarTicket {
  ticketId: string;
  number: string;
  title: string;
  status: TicketStatus;
  /** Cosine similarity of the two texts' words (weighted by how rare each word is), 0–1. */
  score: number;
  /** Open and this close: possibly the same problem reported twice. */
  duplicate: boolean;
}

export interface TriageModelInfo {
  /** ready: trained; empty: no resolved ticket with a category or group yet; training: first training under way; failed: see error. */
  state: 'ready' | 'empty' | 'training' | 'failed';
  /** Resolved tickets the model learnt from. */
  trainedOn: number;
  trainedAt: string | null;
  /** A newer model is being trained while this one answers. */
  retraining: boolean;
  error: string | null;
}

export interface TriageSuggestions {
  category: TriageChoice[];
  group: TriageChoice[];
  similar: SimilarTicket[];
  model: TriageModelInfo;
}

export const triageSuggestInput = z
  .object({
    title: z.string().max(300).default(''),
    description: z.string().max(20_000).default(''),
    /** The ticket being read, left out of its own similar tickets. */
    ticketId: id.nullable().optional(),
  })
  .strict();
export type TriageSuggestInput = z.infer<typeof triageSuggestInput>;

export const triageCalls = {
  'triage.suggest': call<TriageSuggestions>()(triageSuggestInput, STAFF),
};
