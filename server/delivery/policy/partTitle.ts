// The send log's title of one message of several (an event's parts and follow-up, a re-split
// message's parts, a report's parts): one format wherever a message is split.

export function partTitle(title: string, index: number, count: number): string {
  return count < 2 || index === 0 ? title : `${title} · ${index + 1}/${count}`;
}
