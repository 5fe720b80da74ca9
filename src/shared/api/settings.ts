/** Team-wide settings: the priority matrix and the category tree. */
import { z } from 'zod';
import { ADMIN, ALL_ROLES, call } from './contract';
import { LEVELS, type PriorityMatrix } from '../tickets/rules';
import { idleLockValue } from '../settings/team';

export interface Category {
  name: string;
  subcategories: string[];
}

export interface Settings {
  organisation: string;
  priorityMatrix: PriorityMatrix;
  categories: Category[];
  updates: { enabled: boolean; url: string | null };
  /** Minutes without input before the console locks and asks for the password again (0: never). */
  idleLockMinutes: number;
}

export const priority = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)], {
  message: 'Priority runs from 1 (critical) to 4 (low).',
});
const matrixRow = z.array(priority).length(LEVELS.length, { message: `Each impact row needs ${LEVELS.length} priorities.` });

export const settingsCalls = {
  'settings.get': call<Settings>()(z.object({}).strict().default({}), ALL_ROLES),
  'settings.update': call<Settings>()(
    z
      .object({
        organisation: z.string().trim().min(1).max(120),
        priorityMatrix: z.array(matrixRow).length(LEVELS.length, { message: `The matrix needs ${LEVELS.length} impact rows.` }),
        categories: z
          .array(
            z
              .object({
                name: z.string().trim().min(1, { message: 'Category name is required.' }).max(80),
                subcategories: z.array(z.string().trim().min(1).max(80)).max(100),
              })
              .strict(),
          )
          .max(200),
        updates: z
          .object({
            enabled: z.boolean(),
            url: z.string().trim().url({ message: 'The update feed must be a URL.' }).nullable(),
          })
          .strict(),
        idleLockMinutes: idleLockValue,
      })
      .partial()
      .strict(),
    ADMIN,
    { mutates: true },
  ),
};
