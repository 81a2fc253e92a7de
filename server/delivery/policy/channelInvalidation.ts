// Only an answer for the channel's current key can mark it invalid: a URL replaced while a send
// with the old key was in flight must not be paused by that send's late 93000.

export function invalidatesChannel(sentWithKey: string, currentKey: string | undefined): boolean {
  return currentKey !== undefined && sentWithKey === currentKey;
}
