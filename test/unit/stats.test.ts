import {
  ActivityTally,
  RESOLUTIONS,
  bucketStart,
  denseSeries,
  seriesStart,
  sumSeries,
  withDeltas,
  zeroCounts,
  type ActivityBucket,
} from '../../src/domain/stats';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

const bucket = (start: number, fields: Partial<ActivityBucket>): ActivityBucket => ({
  ...zeroCounts(),
  start,
  size: null,
  ...fields,
});

test('buckets start on whole minutes and ten minutes', () => {
  expect(bucketStart(T0 + 59_999, 60)).toBe(T0);
  expect(bucketStart(T0 + 60_000, 60)).toBe(T0 + MIN);
  expect(bucketStart(T0 + 9 * MIN + 59_999, 600)).toBe(T0);
  expect(seriesStart(T0 + 30_000, RESOLUTIONS.hour)).toBe(T0 - 59 * MIN);
  expect(seriesStart(T0, RESOLUTIONS.day)).toBe(T0 - 143 * 10 * MIN);
});

test('a dense series has every bucket, zeros where nothing happened, and carries the size forward', () => {
  const now = T0 + 30_000;
  const series = denseSeries(
    [
      bucket(T0 - 50 * MIN, { posted: 5, size: 5 }),
      bucket(T0 - 10 * MIN, { deleted: 2, size: 3 }),
      bucket(T0 - 5 * MIN, { reserved: 1, size: null }),
    ],
    RESOLUTIONS.hour,
    now,
    1,
    4,
  );
  expect(series).toHaveLength(60);
  expect(series[0]).toEqual(bucket(T0 - 59 * MIN, { size: 1 }));
  expect(series[9]).toEqual(bucket(T0 - 50 * MIN, { posted: 5, size: 5 }));
  expect(series[10]!.size).toBe(5);
  expect(series[49]).toEqual(bucket(T0 - 10 * MIN, { deleted: 2, size: 3 }));
  expect(series[54]).toEqual(bucket(T0 - 5 * MIN, { reserved: 1, size: 3 }));
  // The bucket holding now shows the current size.
  expect(series[59]).toEqual(bucket(T0, { size: 4 }));
});

test('an unknown size stays unknown until a sample', () => {
  const series = denseSeries([bucket(T0 - MIN, { posted: 1, size: 1 })], RESOLUTIONS.hour, T0, null, null);
  expect(series[0]!.size).toBeNull();
  expect(series[58]!.size).toBe(1);
  expect(series[59]!.size).toBe(1);
});

test('series of several queues add up bucket by bucket', () => {
  const a = denseSeries([bucket(T0, { posted: 2, size: 2 })], RESOLUTIONS.hour, T0, 0, null);
  const b = denseSeries([bucket(T0, { posted: 3, deleted: 1, size: 7 })], RESOLUTIONS.hour, T0, null, null);
  const total = sumSeries([a, b], RESOLUTIONS.hour, T0);
  expect(total[59]).toEqual(bucket(T0, { posted: 5, deleted: 1, size: 9 }));
  expect(total[0]).toEqual(bucket(T0 - 59 * MIN, { size: 0 }));
  expect(sumSeries([], RESOLUTIONS.hour, T0)[0]!.size).toBeNull();
});

test('the tally counts per queue and minute, and what a failed flush drained goes back', () => {
  const tally = new ActivityTally();
  tally.add('p', 'q', 'posted', 3, T0 + 1000);
  tally.add('p', 'q', 'posted', 2, T0 + 59_000);
  tally.add('p', 'q', 'deleted', 1, T0 + MIN);
  tally.add('p', 'other', 'expired', 4, T0);
  tally.add('x', 'q', 'reserved', 1, T0);
  expect(tally.of('p', 'q').map((d) => d.counts.posted)).toEqual([5, 0]);
  expect(tally.of('p', null)).toHaveLength(3);
  const drained = tally.drain();
  expect(tally.isEmpty).toBe(true);
  expect(drained.slice(0, 2)).toEqual([
    { projectId: 'p', name: 'q', minute: T0, counts: { ...zeroCounts(), posted: 5 } },
    { projectId: 'p', name: 'q', minute: T0 + MIN, counts: { ...zeroCounts(), deleted: 1 } },
  ]);
  tally.add('p', 'q', 'posted', 1, T0 + 2000);
  tally.restore(drained);
  expect(tally.of('p', 'q')[0]).toEqual({
    projectId: 'p',
    name: 'q',
    minute: T0,
    counts: { ...zeroCounts(), posted: 6 },
  });
});

test('counts not yet stored are added to the stored buckets of the window', () => {
  const stored = [bucket(T0, { posted: 1, size: 1 })];
  const deltas = [
    { projectId: 'p', name: 'q', minute: T0 + MIN, counts: { ...zeroCounts(), posted: 2 } },
    { projectId: 'p', name: 'q', minute: T0 + 3 * MIN, counts: { ...zeroCounts(), deleted: 1 } },
    { projectId: 'p', name: 'q', minute: T0 - 2 * 3_600_000, counts: { ...zeroCounts(), posted: 9 } },
  ];
  expect(withDeltas(stored, deltas, RESOLUTIONS.hour, T0 - 59 * MIN)).toEqual([
    bucket(T0, { posted: 1, size: 1 }),
    bucket(T0 + MIN, { posted: 2 }),
    bucket(T0 + 3 * MIN, { deleted: 1 }),
  ]);
  // Two hours ago is out of the hour, inside the day.
  expect(withDeltas(stored, deltas, RESOLUTIONS.day, T0 - 143 * 10 * MIN)).toEqual([
    bucket(T0 - 2 * 3_600_000, { posted: 9 }),
    bucket(T0, { posted: 3, deleted: 1, size: 1 }),
  ]);
  // The stored buckets are not changed.
  expect(stored[0]!.posted).toBe(1);
});
