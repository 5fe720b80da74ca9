/**
 * The service catalogue's request forms: an item's own list of fields (text, multi-line, select,
 * date, number, checkbox), the zod schema built from that list to check a requester's answers (on
 * the device and again on the server when the ticket arrives), and the answers in words for the
 * ticket's description.
 */
import { z } from 'zod';
import { jsonText } from '../sla/json-text';

export const FORM_FIELD_KINDS = ['text', 'textarea', 'select', 'date', 'number', 'checkbox'] as const;
export type FormFieldKind = (typeof FORM_FIELD_KINDS)[number];
export const FORM_FIELD_KIND_LABELS: Record<FormFieldKind, string> = {
  text: 'Short text',
  textarea: 'Multi-line text',
  select: 'Choice from a list',
  date: 'Date',
  number: 'Number',
  checkbox: 'Checkbox',
};

export const formField = z
  .object({
    key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, { message: 'A field key is lower-case letters, digits and _ (at most 40), starting with a letter.' }),
    label: z.string().trim().min(1, { message: 'Every field needs a label.' }).max(120),
    kind: z.enum(FORM_FIELD_KINDS),
    required: z.boolean().default(false),
    /** The choices of a select field. */
    options: z.array(z.string().trim().min(1).max(120)).max(50).optional(),
    help: z.string().max(300).optional(),
  })
  .strict()
  .superRefine((f, c) => {
    if (f.kind === 'select' && !(f.options?.length ?? 0)) c.addIssue({ code: 'custom', path: ['options'], message: `“${f.label}” is a choice: give it at least one option.` });
    if (f.kind !== 'select' && f.options?.length) c.addIssue({ code: 'custom', path: ['options'], message: `Only choice fields have options (“${f.label}” is ${FORM_FIELD_KIND_LABELS[f.kind].toLowerCase()}).` });
    if (f.options && new Set(f.options).size !== f.options.length) c.addIssue({ code: 'custom', path: ['options'], message: `“${f.label}” lists an option twice.` });
  });
export type FormField = z.output<typeof formField>;

export const formFields = z
  .array(formField)
  .max(30, { message: 'A request form has at most 30 fields.' })
  .superRefine((fs, c) => {
    const seen = new Set<string>();
    for (const [i, f] of fs.entries()) {
      if (seen.has(f.key)) c.addIssue({ code: 'custom', path: [i, 'key'], message: `Two fields share the key “${f.key}”.` });
      seen.add(f.key);
    }
  });
/** The field list as a synced catalogue item stores it (JSON text). */
export const formFieldsText = jsonText(formFields, 'Request form fields');

export type AnswerValue = string | number | boolean | null;
export type Answers = Record<string, AnswerValue>;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_TEXT = 2000;
const MAX_LONG_TEXT = 20_000;

function fieldSchema(f: FormField): z.ZodType<AnswerValue | undefined> {
  const need = `“${f.label}” is required.`;
  // A blank or left-out answer is no answer: refused when required, stored as empty otherwise.
  const blank = (v: unknown) => (v === undefined || (typeof v === 'string' && v.trim() === '') ? null : v);
  const wrap = (s: z.ZodType<AnswerValue>) => {
    const base = z.preprocess(blank, s.nullable());
    return f.required ? base.refine((v) => v !== null, { message: need }) : base;
  };
  switch (f.kind) {
    case 'text':
    case 'textarea': {
      const max = f.kind === 'text' ? MAX_TEXT : MAX_LONG_TEXT;
      return wrap(z.string({ message: `“${f.label}” must be text.` }).max(max, { message: `“${f.label}” is longer than ${max} characters.` }));
    }
    case 'select': {
      const opts = f.options ?? [];
      return wrap(z.string({ message: `“${f.label}” must be one of: ${opts.join(', ')}.` }).refine((v) => opts.includes(v), { message: `“${f.label}” must be one of: ${opts.join(', ')}.` }));
    }
    case 'date':
      return wrap(
        z
          .string({ message: `“${f.label}” must be a date (YYYY-MM-DD).` })
          .regex(DATE_RE, { message: `“${f.label}” must be a date (YYYY-MM-DD).` })
          .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), { message: `“${f.label}” is not a real date.` }),
      );
    case 'number':
      return wrap(z.number({ message: `“${f.label}” must be a number.` }).finite({ message: `“${f.label}” must be a number.` }));
    case 'checkbox':
      // A required checkbox is one the requester must tick (an acknowledgement).
      return f.required ? z.literal(true, { message: `Tick “${f.label}” to continue.` }) : z.boolean({ message: `“${f.label}” is ticked or not.` }).optional();
  }
}

/** The schema of an item's answers: exactly its fields, each by its own rule; unknown keys refused. */
export function answersSchema(fields: readonly FormField[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) shape[f.key] = fieldSchema(f);
  return z.object(shape).strict();
}

/** Checks answers against the form; the first problem named in the requester's words. */
export function checkAnswers(fields: readonly FormField[], raw: unknown): { ok: true; value: Answers } | { ok: false; message: string; path: string[] } {
  const r = answersSchema(fields).safeParse(raw ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    if (i.code === 'unrecognized_keys') return { ok: false, message: `The form has no field ${i.keys.map((k) => `“${k}”`).join(', ')}.`, path: [] };
    return { ok: false, message: i.message, path: i.path.map(String) };
  }
  const value: Answers = {};
  for (const f of fields) {
    const v = (r.data as Record<string, AnswerValue | undefined>)[f.key];
    value[f.key] = v === undefined ? (f.kind === 'checkbox' ? false : null) : v;
  }
  return { ok: true, value };
}

/** Parses an item's stored field list; a damaged one reads as no fields (it was checked when saved). */
export function parseFormFields(text: string | null | undefined): FormField[] {
  if (!text) return [];
  try {
    const r = formFields.safeParse(JSON.parse(text));
    return r.success ? r.data : [];
  } catch {
    return [];
  }
}

/** The answers in words, one line per field, for the ticket's description. */
export function answersInWords(fields: readonly FormField[], answers: Answers): string {
  const lines: string[] = [];
  for (const f of fields) {
    const v = answers[f.key];
    let shown: string;
    if (f.kind === 'checkbox') shown = v ? 'Yes' : 'No';
    else if (v === null || v === undefined || v === '') shown = '—';
    else shown = String(v);
    if (f.kind === 'textarea' && shown.includes('\n')) lines.push(`**${f.label}:**\n\n${shown}\n`);
    else lines.push(`**${f.label}:** ${shown}`);
  }
  return lines.join('\n\n');
}

/** Stored with the ticket: the answers as structured data (JSON text, checked against the form at arrival). */
export const formAnswersText = z.string().max(60_000);
