import { TopicIndex, parseFilters, topicMatches } from '../../src/domain/topics';

// [filter, published topic, matches] — CrimsonQ's MQTTMatch rules (spec crimsonq §1.2).
const cases: [string, string, boolean][] = [
  ['orders/eu/1', 'orders/eu/1', true],
  ['orders/+/1', 'orders/eu/1', true],
  ['orders/+', 'orders/eu/1', false],
  ['orders/#', 'orders/eu/1', true],
  ['orders/#', 'orders', true], // '#' matches zero levels
  ['orders/#', 'order', false],
  ['#', 'anything/at/all', true],
  ['+/+', 'a/b', true],
  ['+/+', 'a', false],
  ['/consumer/a', '/consumer/a', true], // a leading '/' is an empty first level
  ['+/consumer/a', '/consumer/a', true],
  ['/#', '/consumer/a', true],
  ['/#', 'consumer/a', false],
  ['$share/group/orders/#', 'orders/eu', true], // the shared-subscription prefix is ignored
  ['a/#/c', 'a/b/x', true], // '#' not last matches at its position
  ['Orders/#', 'orders/eu', false], // case-sensitive
  ['orders/+', 'orders/+', true], // a published '+' is a literal level
  ['orders/eu', 'orders/+', false],
  ['orders/#', 'orders/#', true],
];

test.each(cases)('filter %s on topic %s: %s', (filter, topic, expected) => {
  expect(topicMatches(filter, topic)).toBe(expected);
  const index = new TopicIndex();
  index.set('p', 1, [filter]);
  expect(index.match('p', topic).has(1)).toBe(expected);
});

test('a queue whose two filters both match is matched once', () => {
  const index = new TopicIndex();
  index.set('p', 7, ['orders/#', 'orders/+/1']);
  expect([...index.match('p', 'orders/eu/1')]).toEqual([7]);
});

test('projects do not see each other, and replaced or removed filters stop matching', () => {
  const index = new TopicIndex();
  index.set('p', 1, ['a/#']);
  index.set('q', 2, ['a/#']);
  expect([...index.match('p', 'a/b')]).toEqual([1]);
  index.set('p', 1, ['b/#']);
  expect(index.match('p', 'a/b').size).toBe(0);
  expect([...index.match('p', 'b')]).toEqual([1]);
  index.remove(1);
  expect(index.match('p', 'b').size).toBe(0);
  expect(index.filters(2)).toEqual(['a/#']);
});

test('comma lists are trimmed, empty entries dropped and duplicates removed', () => {
  expect(parseFilters(' a/+ , b/#,,a/+ ,')).toEqual(['a/+', 'b/#']);
  expect(parseFilters('')).toEqual([]);
});

test('matching agrees with the reference rule on random filters and topics', () => {
  const levels = ['a', 'b', '', '+', '#'];
  let seed = 42;
  const pick = () => levels[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % levels.length]!;
  for (let i = 0; i < 2000; i++) {
    const filter = Array.from({ length: 1 + (i % 4) }, pick).join('/');
    const topic = Array.from({ length: 1 + ((i >> 2) % 4) }, () => pick().replace(/[+#]/, 'a')).join('/');
    const index = new TopicIndex();
    index.set('p', 1, [filter]);
    expect([filter, topic, index.match('p', topic).has(1)]).toEqual([
      filter,
      topic,
      topicMatches(filter, topic),
    ]);
  }
});
