import { INITIAL_ALERT_STATE, evaluateAlert, type AlertState } from '../../src/domain/alerts';
import type { Alert } from '../../src/domain/types';

const alert = (over: Partial<Alert>): Alert => ({
  id: 'a',
  type: 'fixed',
  direction: 'asc',
  trigger: 10,
  queue: 'target',
  snooze: 0,
  ...over,
});

/** Runs a sequence of sizes through an alert; returns the sizes at which it fired. */
function firesAt(definition: Alert, sizes: number[], secondsApart = 1): number[] {
  let state: AlertState = INITIAL_ALERT_STATE;
  const fired: number[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const decision = evaluateAlert(definition, state, sizes[i - 1]!, sizes[i]!, i * secondsApart * 1000);
    state = decision.state;
    if (decision.fire) fired.push(sizes[i]!);
  }
  return fired;
}

test('fixed asc fires once when the size reaches the trigger, and again only after going back below', () => {
  expect(firesAt(alert({}), [0, 5, 10, 11, 12, 9, 8, 10, 15])).toEqual([10, 10]);
  expect(firesAt(alert({}), [0, 25])).toEqual([25]); // a batch jumping over the trigger
});

test('fixed desc fires when the size falls to the trigger or below', () => {
  expect(firesAt(alert({ direction: 'desc' }), [20, 11, 10, 9, 12, 3])).toEqual([10, 3]);
});

test('progressive asc fires at every multiple reached', () => {
  expect(firesAt(alert({ type: 'progressive' }), [0, 9, 10, 15, 20, 19, 30, 45])).toEqual([10, 20, 30, 45]);
});

test('progressive desc fires at every multiple reached going down', () => {
  expect(firesAt(alert({ type: 'progressive', direction: 'desc' }), [35, 31, 30, 25, 20, 19, 0])).toEqual([
    30, 20, 0,
  ]);
});

test('snooze suppresses firings closer than snooze seconds to the last one', () => {
  const snoozy = alert({ type: 'progressive', snooze: 5 });
  expect(firesAt(snoozy, [0, 10, 20, 30, 40, 50, 60, 70, 80], 2)).toEqual([10, 40, 70]);
});
