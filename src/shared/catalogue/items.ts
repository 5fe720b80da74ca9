/** What a service catalogue item is, as the portal and Settings show it, read from its synced record. */
import type { TicketType } from '../tickets/rules';
import { checkAnswers, answersInWords, parseFormFields, type Answers, type FormField } from './form';

/** Icons an administrator may give an item (the renderer maps each to a drawing). */
export const CATALOGUE_ICONS = ['laptop', 'key', 'apps', 'phone', 'printer', 'user', 'mail', 'wifi', 'package', 'help'] as const;
export type CatalogueIcon = (typeof CATALOGUE_ICONS)[number];

export interface CatalogueItem {
  id: string;
  name: string;
  description: string;
  section: string;
  icon: CatalogueIcon;
  ticketType: TicketType;
  ticketCategory: string | null;
  groupId: string | null;
  fields: FormField[];
  position: number;
  active: boolean;
}

/** A stored `catalogue_items` record (its columns) in the shape the portal shows: on the device and on the server. */
export function toCatalogueItem(id: string, r: Record<string, unknown>): CatalogueItem {
  const icon = (CATALOGUE_ICONS as readonly string[]).includes(String(r.icon)) ? (r.icon as CatalogueIcon) : 'help';
  return {
    id,
    name: String(r.name ?? ''),
    description: String(r.description ?? ''),
    section: String(r.section ?? ''),
    icon,
    ticketType: r.ticket_type === 'incident' ? 'incident' : 'request',
    ticketCategory: typeof r.ticket_category === 'string' ? r.ticket_category : null,
    groupId: typeof r.group_id === 'string' ? r.group_id : null,
    fields: parseFormFields(typeof r.form_fields === 'string' ? r.form_fields : null),
    position: Number(r.position ?? 0),
    active: r.active === 1 || r.active === true,
  };
}

/** What a portal submission becomes: the new ticket's own fields. */
export interface RequestTicket {
  type: TicketType;
  title: string;
  description: string;
  category: string | null;
  catalogueItemId: string | null;
  /** The answers as JSON (null for a problem report). */
  formAnswers: string | null;
  answers: Answers | null;
}

/**
 * Turns a submission into a ticket: a catalogue request carries the item's type and category, its
 * answers checked against the item's form and written out in words under the requester's own text;
 * "Report a problem" (no item) is an incident. Used by the app and by the server's portal alike.
 */
export function requestTicket(
  item: CatalogueItem | null,
  input: { title: string; description: string; answers: Record<string, unknown> },
): { ok: true; value: RequestTicket } | { ok: false; message: string; path: string[] } {
  if (!item) {
    if (!input.description.trim()) return { ok: false, message: 'Describe the problem: what happened, and what you expected.', path: ['description'] };
    return { ok: true, value: { type: 'incident', title: input.title, description: input.description, category: null, catalogueItemId: null, formAnswers: null, answers: null } };
  }
  if (!item.active) return { ok: false, message: `“${item.name}” is no longer offered in the catalogue.`, path: ['itemId'] };
  const checked = checkAnswers(item.fields, input.answers);
  if (!checked.ok) return { ok: false, message: checked.message, path: ['answers', ...checked.path] };
  const parts = [input.description.trim(), item.fields.length ? answersInWords(item.fields, checked.value) : ''].filter(Boolean);
  return {
    ok: true,
    value: {
      type: item.ticketType,
      title: input.title,
      description: parts.join('\n\n'),
      category: item.ticketCategory,
      catalogueItemId: item.id,
      formAnswers: JSON.stringify(checked.value),
      answers: checked.value,
    },
  };
}

/**
 * The check the server makes when a ticket naming a catalogue item arrives (from any device or its
 * own portal): the item exists and the stored answers satisfy its form. A reason to refuse, or null.
 */
export function checkArrivingRequest(item: CatalogueItem | null, itemId: string, formAnswers: unknown): string | null {
  if (!item) return `The catalogue item ${itemId} is not on the server.`;
  let answers: unknown = {};
  if (typeof formAnswers === 'string') {
    try {
      answers = JSON.parse(formAnswers);
    } catch {
      return `The answers to “${item.name}” are not valid JSON.`;
    }
  } else if (formAnswers !== null && formAnswers !== undefined) return `The answers to “${item.name}” must be JSON text.`;
  const r = checkAnswers(item.fields, answers);
  return r.ok ? null : `The request form “${item.name}” was not filled in correctly: ${r.message}`;
}
