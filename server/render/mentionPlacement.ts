// Where each requested mention can go. WeCom's rules: markdown mentions only by user id, inline
// (`<@userid>`); markdown_v2 cannot mention at all; text carries `mentioned_list` (user ids, "@all")
// and `mentioned_mobile_list`. What a rich format cannot carry goes into one short text message sent
// right after it.
import { translator, type Lang } from '../strings/translate.ts';
import { isMobile } from '../events/schema.ts';

export type MessageFormat = 'markdown' | 'markdown_v2' | 'text';
export const MESSAGE_FORMATS: readonly MessageFormat[] = ['markdown', 'markdown_v2', 'text'];

/** `in_message`: inline `<@id>` in markdown, or the text message's own lists; `follow_up`: the extra text message. */
export type MentionRoute = 'in_message' | 'follow_up';
export type MentionNote = { target: string; type: 'all' | 'user' | 'mobile'; route: MentionRoute };

export type MentionPlan = {
  format: MessageFormat;
  /** `<@id>` tokens for a markdown message. */
  inlineUserIds: string[];
  /** `mentioned_list` / `mentioned_mobile_list` of the text message: the main one for `text`, else the follow-up. */
  textMentionedList: string[];
  textMobileList: string[];
  /** Whether a follow-up text message must carry the lists. */
  followUp: boolean;
  notes: MentionNote[];
};

const ALL = '@all';

/** Targets one text message lists at most (its `mentioned_list` and `mentioned_mobile_list` together). */
export const MAX_LISTED_PER_MESSAGE = 20;

export type MentionLists = { mentionedList: string[]; mentionedMobileList: string[] };

/**
 * The plan's listed targets as the text messages that carry them, at most
 * MAX_LISTED_PER_MESSAGE each: a digest of many stores' alerts may ask for more, and every one of
 * them must be heard. None when nothing is listed.
 */
export function mentionLists(plan: Pick<MentionPlan, 'textMentionedList' | 'textMobileList'>): MentionLists[] {
  const listed = [...plan.textMentionedList.map((t) => ({ t, mobile: false })), ...plan.textMobileList.map((t) => ({ t, mobile: true }))];
  const batches: MentionLists[] = [];
  for (let i = 0; i < listed.length; i += MAX_LISTED_PER_MESSAGE) {
    const batch = listed.slice(i, i + MAX_LISTED_PER_MESSAGE);
    batches.push({ mentionedList: batch.filter((x) => !x.mobile).map((x) => x.t), mentionedMobileList: batch.filter((x) => x.mobile).map((x) => x.t) });
  }
  return batches;
}

/**
 * Where an event's listed mentions go: a text message carries the first lists itself (`inMessage`),
 * a rich format none; the rest follow it in text messages (`followUps`).
 */
export function placeMentionLists(plan: Pick<MentionPlan, 'textMentionedList' | 'textMobileList' | 'followUp'>): { inMessage: MentionLists | undefined; followUps: MentionLists[] } {
  const lists = mentionLists(plan);
  return plan.followUp ? { inMessage: undefined, followUps: lists } : { inMessage: lists[0], followUps: lists.slice(1) };
}

export function planMentions(requested: 'none' | 'all' | readonly string[], format: MessageFormat): MentionPlan {
  const targets = requested === 'none' ? [] : requested === 'all' ? [ALL] : [...new Set(requested)];
  const notes = targets.map((target): MentionNote => {
    const type = target === ALL ? 'all' : isMobile(target) ? 'mobile' : 'user';
    const inMessage = format === 'text' || (format === 'markdown' && type === 'user');
    return { target, type, route: inMessage ? 'in_message' : 'follow_up' };
  });
  const listed = notes.filter((n) => format === 'text' || n.route === 'follow_up');
  return {
    format,
    inlineUserIds: format === 'markdown' ? notes.filter((n) => n.type === 'user').map((n) => n.target) : [],
    textMentionedList: listed.filter((n) => n.type !== 'mobile').map((n) => n.target),
    textMobileList: listed.filter((n) => n.type === 'mobile').map((n) => n.target),
    followUp: format !== 'text' && listed.length > 0,
    notes,
  };
}

/** One line per mention for the console preview: how it will be delivered, and why. */
export function describeMentions(plan: MentionPlan, lang: Lang): string[] {
  const t = translator(lang);
  if (plan.notes.length === 0) return [t('mention.none')];
  const lines = plan.notes.map(({ target, type, route }) => {
    if (route === 'in_message') return t('mention.inMessage', { target });
    if (plan.format === 'markdown_v2') return t('mention.followUp.v2', { target });
    return type === 'all' ? t('mention.followUp.all') : t('mention.followUp.mobile', { target });
  });
  if (plan.followUp) lines.push(t('mention.followUp.cost'));
  if (plan.notes.some((n) => n.type !== 'all')) lines.push(t('mention.unverified'));
  return lines;
}
