/** A text field holding JSON that must match a schema: what synced settings records store their lists in. */
import { z } from 'zod';

export function jsonText<T extends z.ZodType>(schema: T, what: string, max = 20_000) {
  return z
    .string()
    .max(max)
    .superRefine((s, c) => {
      let v: unknown;
      try {
        v = JSON.parse(s);
      } catch {
        c.addIssue({ code: 'custom', message: `${what} is not valid JSON.` });
        return;
      }
      const r = schema.safeParse(v);
      if (!r.success) c.addIssue({ code: 'custom', message: `${what}: ${r.error.issues[0]?.message ?? 'invalid'}` });
    });
}
