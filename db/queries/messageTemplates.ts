import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { messageTemplates } from '../schema.ts';

export type MessageTemplateRow = typeof messageTemplates.$inferSelect;
/** kind, category ('' for every category) and language: one template each. */
export type MessageTemplateKey = Pick<MessageTemplateRow, 'kind' | 'category' | 'lang'>;

export function listMessageTemplates(db: Db): MessageTemplateRow[] {
  return db.select().from(messageTemplates).orderBy(asc(messageTemplates.kind), asc(messageTemplates.category), asc(messageTemplates.lang)).all();
}

/** Creates the template or replaces its text. */
export function saveMessageTemplate(db: Db, key: MessageTemplateKey, body: string, now: number): void {
  db.insert(messageTemplates)
    .values({ ...key, body, updatedAt: now })
    .onConflictDoUpdate({ target: [messageTemplates.kind, messageTemplates.category, messageTemplates.lang], set: { body, updatedAt: now } })
    .run();
}

/** Back to the built-in template. Returns whether there was a custom one. */
export function deleteMessageTemplate(db: Db, key: MessageTemplateKey): boolean {
  return (
    db
      .delete(messageTemplates)
      .where(and(eq(messageTemplates.kind, key.kind), eq(messageTemplates.category, key.category), eq(messageTemplates.lang, key.lang)))
      .run().changes > 0
  );
}
