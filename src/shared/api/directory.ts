/** People, assignment groups and sites. */
import { z } from 'zod';
import { ADMIN, ALL_ROLES, call, ROLES, STAFF } from './contract';
import { id, trimmed } from './common';
import { password, username, type UserSummary } from './setup';

export interface User extends UserSummary {
  email: string | null;
  active: boolean;
  groupIds: string[];
  createdAt: string;
}

export interface Group {
  id: string;
  name: string;
  description: string | null;
  memberIds: string[];
}

export interface Site {
  id: string;
  name: string;
  code: string | null;
  timezone: string | null;
}

const email = z.string().trim().email({ message: 'Enter a valid email address.' }).max(254);

export const directoryCalls = {
  'users.list': call<{ items: User[] }>()(
    z.object({ role: z.enum(ROLES).optional(), includeInactive: z.boolean().default(false) }).strict().default({ includeInactive: false }),
    ['admin', 'technician', 'auditor'],
  ),
  'users.create': call<User>()(
    z
      .object({
        username,
        displayName: trimmed(120, 'Display name'),
        email: email.optional(),
        role: z.enum(ROLES),
        password,
        siteIds: z.array(id).max(200).default([]),
        groupIds: z.array(id).max(200).default([]),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  'users.update': call<User>()(
    z
      .object({
        id,
        fields: z
          .object({
            displayName: trimmed(120, 'Display name'),
            email: email.nullable(),
            role: z.enum(ROLES),
            active: z.boolean(),
            password,
            siteIds: z.array(id).max(200),
            groupIds: z.array(id).max(200),
          })
          .partial()
          .strict(),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  'groups.list': call<{ items: Group[] }>()(z.object({}).strict().default({}), ALL_ROLES),
  'groups.create': call<Group>()(
    z
      .object({
        name: trimmed(120, 'Group name'),
        description: z.string().trim().max(2000).optional(),
        memberIds: z.array(id).max(500).default([]),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  'groups.update': call<Group>()(
    z
      .object({
        id,
        fields: z
          .object({
            name: trimmed(120, 'Group name'),
            description: z.string().trim().max(2000).nullable(),
            memberIds: z.array(id).max(500),
          })
          .partial()
          .strict(),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  'sites.list': call<{ items: Site[] }>()(z.object({}).strict().default({}), ALL_ROLES),
  'sites.create': call<Site>()(
    z
      .object({
        name: trimmed(120, 'Site name'),
        code: z.string().trim().max(16).optional(),
        timezone: z.string().trim().max(64).optional(),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
  'sites.update': call<Site>()(
    z
      .object({
        id,
        fields: z
          .object({
            name: trimmed(120, 'Site name'),
            code: z.string().trim().max(16).nullable(),
            timezone: z.string().trim().max(64).nullable(),
          })
          .partial()
          .strict(),
      })
      .strict(),
    ADMIN,
    { mutates: true },
  ),
};

export { STAFF };
