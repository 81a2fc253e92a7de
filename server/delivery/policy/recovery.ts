// What a restart does with a message a crash left in `sending`.

export type InterruptedAction = 'requeue' | 'fail';

/**
 * Queued messages are sent again (at-least-once). A connect or test send was answered to an admin
 * who has stopped waiting: sending it later would post a stale "connected" note, so it fails.
 */
export function interruptedAction(kind: string): InterruptedAction {
  return kind === 'test' ? 'fail' : 'requeue';
}
