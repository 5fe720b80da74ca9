/** Request forms: the schema built from an item's field list accepts what the form asks for and names the first problem. */
import { describe, expect, it } from 'vitest';
import { answersInWords, checkAnswers, formFields, parseFormFields, type FormField } from './form';
import { checkArrivingRequest, requestTicket, toCatalogueItem } from './items';

const FIELDS: FormField[] = formFields.parse([
  { key: 'model', label: 'Laptop model', kind: 'select', required: true, options: ['13-inch', '15-inch'] },
  { key: 'needed_by', label: 'Needed by', kind: 'date' },
  { key: 'count', label: 'How many', kind: 'number', required: true },
  { key: 'reason', label: 'Why', kind: 'textarea' },
  { key: 'name', label: 'Name on the sticker', kind: 'text' },
  { key: 'agree', label: 'I will return my old laptop', kind: 'checkbox', required: true },
]);

describe('request forms', () => {
  it('accepts a complete form and fills what was left out as empty', () => {
    const r = checkAnswers(FIELDS, { model: '15-inch', count: 2, agree: true, name: '  ' });
    expect(r).toEqual({ ok: true, value: { model: '15-inch', needed_by: null, count: 2, reason: null, name: null, agree: true } });
  });

  it.each([
    [{ count: 1, agree: true }, '“Laptop model” is required.'],
    [{ model: '', count: 1, agree: true }, '“Laptop model” is required.'],
    [{ model: '17-inch', count: 1, agree: true }, '“Laptop model” must be one of: 13-inch, 15-inch.'],
    [{ model: '13-inch', agree: true }, '“How many” is required.'],
    [{ model: '13-inch', count: 'two', agree: true }, '“How many” must be a number.'],
    [{ model: '13-inch', count: 1, agree: false }, 'Tick “I will return my old laptop” to continue.'],
    [{ model: '13-inch', count: 1, agree: true, needed_by: '2026-02-30' }, '“Needed by” is not a real date.'],
    [{ model: '13-inch', count: 1, agree: true, needed_by: 'Friday' }, '“Needed by” must be a date (YYYY-MM-DD).'],
    [{ model: '13-inch', count: 1, agree: true, colour: 'red' }, 'The form has no field “colour”.'],
  ])('refuses %j: %s', (answers, message) => {
    const r = checkAnswers(FIELDS, answers);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe(message);
  });

  it('refuses a field list an administrator got wrong', () => {
    expect(formFields.safeParse([{ key: 'x', label: 'X', kind: 'select' }]).success).toBe(false);
    expect(formFields.safeParse([{ key: 'x', label: 'X', kind: 'text', options: ['a'] }]).success).toBe(false);
    expect(formFields.safeParse([{ key: 'x', label: 'X', kind: 'text' }, { key: 'x', label: 'Y', kind: 'text' }]).success).toBe(false);
    expect(formFields.safeParse([{ key: 'Bad Key', label: 'X', kind: 'text' }]).success).toBe(false);
    expect(parseFormFields('not json')).toEqual([]);
  });

  it('writes the answers out in words for the ticket', () => {
    const r = checkAnswers(FIELDS, { model: '13-inch', count: 1, agree: true, reason: 'Old one broke.\nScreen cracked.' });
    if (!r.ok) throw new Error(r.message);
    const text = answersInWords(FIELDS, r.value);
    expect(text).toContain('**Laptop model:** 13-inch');
    expect(text).toContain('**Needed by:** —');
    expect(text).toContain('**I will return my old laptop:** Yes');
    expect(text).toContain('**Why:**\n\nOld one broke.\nScreen cracked.');
  });
});

describe('a submission becomes a ticket', () => {
  const item = toCatalogueItem('item-1', { name: 'New laptop', section: 'Hardware', icon: 'laptop', ticket_type: 'request', ticket_category: 'Hardware', group_id: 'g1', form_fields: JSON.stringify(FIELDS), position: 0, active: 1, description: '' });

  it('a catalogue request carries the item and its answers', () => {
    const r = requestTicket(item, { title: 'Laptop', description: 'For Ann.', answers: { model: '13-inch', count: 1, agree: true } });
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({ type: 'request', category: 'Hardware', catalogueItemId: 'item-1' });
    expect(r.value.description.startsWith('For Ann.\n\n**Laptop model:** 13-inch')).toBe(true);
    expect(JSON.parse(r.value.formAnswers!)).toMatchObject({ model: '13-inch', count: 1, agree: true });
  });

  it('a problem report is an incident and needs a description', () => {
    expect(requestTicket(null, { title: 'Printer', description: ' ', answers: {} })).toMatchObject({ ok: false, path: ['description'] });
    expect(requestTicket(null, { title: 'Printer', description: 'Jams', answers: {} })).toMatchObject({ ok: true, value: { type: 'incident', catalogueItemId: null } });
  });

  it('a retired item takes no new requests', () => {
    expect(requestTicket({ ...item, active: false }, { title: 'x', description: '', answers: {} })).toMatchObject({ ok: false });
  });

  it('the server judges the stored answers against the form it has', () => {
    expect(checkArrivingRequest(item, 'item-1', JSON.stringify({ model: '13-inch', count: 1, agree: true }))).toBeNull();
    expect(checkArrivingRequest(item, 'item-1', JSON.stringify({ count: 1, agree: true }))).toBe('The request form “New laptop” was not filled in correctly: “Laptop model” is required.');
    expect(checkArrivingRequest(item, 'item-1', '{nope')).toBe('The answers to “New laptop” are not valid JSON.');
    expect(checkArrivingRequest(null, 'item-9', '{}')).toBe('The catalogue item item-9 is not on the server.');
  });
});
