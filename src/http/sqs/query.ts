import { SqsRefused } from '../../domain/errors';

/**
 * The query protocol's flat parameters (`Attribute.1.Name=VisibilityTimeout`, `AttributeName.1=All`,
 * `SendMessageBatchRequestEntry.2.MessageBody=…`) brought to the JSON protocol's shape, so that both protocols
 * share one action table and one validation.
 */

/** Flattened lists of strings: query name → JSON name. */
const LISTS: Record<string, string> = {
  AttributeName: 'AttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
  TagKey: 'TagKeys',
  AWSAccountId: 'AWSAccountIds',
  ActionName: 'Actions',
};

const ENTRIES = new Set([
  'SendMessageBatchRequestEntry',
  'DeleteMessageBatchRequestEntry',
  'ChangeMessageVisibilityBatchRequestEntry',
]);

/** Parameters that are numbers in the JSON protocol. */
const INTEGERS = new Set([
  'DelaySeconds',
  'MaxNumberOfMessages',
  'VisibilityTimeout',
  'WaitTimeSeconds',
  'MaxResults',
]);

const STRUCTURED = /^([A-Za-z]+)\.(\d{1,4})(?:\.(.+))?$/;

function set(out: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
}

function field(pairs: [string, string][], name: string): string | undefined {
  return pairs.find(([key]) => key === name)?.[1];
}

function mapOf(prefix: string, groups: Map<number, [string, string][]>, key: string, value: string) {
  const map: Record<string, unknown> = {};
  for (const [index, pairs] of groups) {
    const name = field(pairs, key);
    if (name === undefined)
      throw new SqsRefused(
        'missing_parameter',
        `The request must contain the parameter ${prefix}.${index}.${key}.`,
      );
    set(map, name, field(pairs, value) ?? '');
  }
  return map;
}

/**
 * Converts one level of flat parameters. `tagsName` is where `Tag.N.Key/Value` go: `tags` for CreateQueue,
 * `Tags` for TagQueue (the JSON names differ).
 */
export function queryToJson(pairs: [string, string][], tagsName: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const grouped = new Map<string, Map<number, [string, string][]>>();
  for (const [key, value] of pairs) {
    const match = STRUCTURED.exec(key);
    const prefix = match?.[1];
    if (
      match &&
      prefix !== undefined &&
      (prefix in LISTS || ENTRIES.has(prefix) || ['Attribute', 'Tag', 'MessageAttribute'].includes(prefix))
    ) {
      const byIndex = grouped.get(prefix) ?? new Map<number, [string, string][]>();
      const index = Number(match[2]);
      byIndex.set(index, [...(byIndex.get(index) ?? []), [match[3] ?? '', value]]);
      grouped.set(prefix, byIndex);
      continue;
    }
    set(out, key, INTEGERS.has(key) && /^-?\d{1,15}$/.test(value) ? Number(value) : value);
  }
  for (const [prefix, unsorted] of grouped) {
    const byIndex = new Map([...unsorted].sort(([a], [b]) => a - b));
    if (prefix in LISTS) {
      set(
        out,
        LISTS[prefix]!,
        [...byIndex.values()].map((pairs) => field(pairs, '') ?? ''),
      );
    } else if (prefix === 'Attribute') {
      set(out, 'Attributes', mapOf(prefix, byIndex, 'Name', 'Value'));
    } else if (prefix === 'Tag') {
      set(out, tagsName, mapOf(prefix, byIndex, 'Key', 'Value'));
    } else if (prefix === 'MessageAttribute') {
      const attributes: Record<string, unknown> = {};
      for (const [index, pairs] of byIndex) {
        const name = field(pairs, 'Name');
        if (name === undefined)
          throw new SqsRefused(
            'missing_parameter',
            `The request must contain the parameter MessageAttribute.${index}.Name.`,
          );
        const value: Record<string, unknown> = {};
        for (const [key, item] of pairs) {
          const part = /^Value\.(StringValue|BinaryValue|DataType)$/.exec(key)?.[1];
          if (part) set(value, part, item);
        }
        set(attributes, name, value);
      }
      set(out, 'MessageAttributes', attributes);
    } else {
      set(
        out,
        'Entries',
        [...byIndex.values()].map((pairs) => queryToJson(pairs, tagsName)),
      );
    }
  }
  return out;
}
