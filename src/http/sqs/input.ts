import { SqsRefused } from '../../domain/errors';
import { SQS_LIMITS, isValidBatchEntryId } from '../../domain/sqs-limits';
import type { MessageAttribute, MessageAttributes } from '../../domain/types';

/**
 * One SQS request's parameters in the JSON protocol's shape (the query protocol's `Attribute.1.Name` … are
 * brought to it first, see query.ts), with typed getters that refuse what SQS refuses: a missing parameter is
 * MissingParameter, a wrong type or an out-of-range value InvalidParameterValue.
 */
export class SqsInput {
  constructor(private readonly params: Record<string, unknown>) {}

  private raw(name: string): unknown {
    return Object.hasOwn(this.params, name) ? this.params[name] : undefined;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined && this.raw(name) !== null;
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidType(name, 'a string');
    return value;
  }

  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw missing(name);
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(name, 'an integer');
    if (value < min || value > max) {
      throw new SqsRefused(
        'invalid_parameter_value',
        `Value ${value} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
      );
    }
    return value;
  }

  requiredInteger(name: string, min: number, max: number): number {
    const value = this.integer(name, min, max);
    if (value === undefined) throw missing(name);
    return value;
  }

  strings(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw invalidType(name, 'a list of strings');
    }
    return value as string[];
  }

  stringMap(name: string): Record<string, string> {
    const value = this.raw(name);
    if (value === undefined || value === null) return {};
    if (!isObject(value) || Object.values(value).some((item) => typeof item !== 'string')) {
      throw invalidType(name, 'a map of strings');
    }
    return copy(value) as Record<string, string>;
  }

  messageAttributes(name: string): MessageAttributes | null {
    const value = this.raw(name);
    if (value === undefined || value === null) return null;
    if (!isObject(value)) throw invalidType(name, 'a map of message attributes');
    const attributes: MessageAttributes = {};
    for (const [key, item] of Object.entries(value)) {
      if (!isObject(item)) throw invalidType(`${name}.${key}`, 'a message attribute value');
      const { DataType: dataType, StringValue: stringValue, BinaryValue: binaryValue } = item;
      if (typeof dataType !== 'string') {
        throw new SqsRefused(
          'invalid_parameter_value',
          `The message attribute '${key}' must contain a DataType.`,
        );
      }
      if (stringValue !== undefined && typeof stringValue !== 'string')
        throw invalidType(`${name}.${key}.StringValue`, 'a string');
      if (
        binaryValue !== undefined &&
        (typeof binaryValue !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(binaryValue))
      ) {
        throw invalidType(`${name}.${key}.BinaryValue`, 'base64');
      }
      const attribute: MessageAttribute = { dataType };
      if (stringValue !== undefined) attribute.stringValue = stringValue;
      if (binaryValue !== undefined) attribute.binaryValue = binaryValue;
      Object.defineProperty(attributes, key, {
        value: attribute,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return Object.keys(attributes).length > 0 ? attributes : null;
  }

  /**
   * A batch's entries: 1–10 objects with distinct, well-formed `Id`s (EmptyBatchRequest,
   * TooManyEntriesInBatchRequest, BatchEntryIdsNotDistinct, InvalidBatchEntryId otherwise).
   */
  entries(name: string): { id: string; input: SqsInput }[] {
    const value = this.raw(name);
    if (value === undefined || value === null) throw missing(name);
    if (!Array.isArray(value) || value.some((item) => !isObject(item)))
      throw invalidType(name, 'a list of entries');
    if (value.length === 0) {
      throw new SqsRefused('empty_batch', 'There should be at least one entry in the request.');
    }
    if (value.length > SQS_LIMITS.maxBatchEntries) {
      throw new SqsRefused(
        'too_many_entries',
        `Maximum number of entries per request are ${SQS_LIMITS.maxBatchEntries}. You have sent ${value.length}.`,
      );
    }
    const seen = new Set<string>();
    return (value as Record<string, unknown>[]).map((item) => {
      const id = item.Id;
      if (typeof id !== 'string') throw missing(`${name}.Id`);
      if (!isValidBatchEntryId(id)) {
        throw new SqsRefused(
          'invalid_batch_entry_id',
          'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
        );
      }
      if (seen.has(id)) throw new SqsRefused('batch_ids_not_distinct', `Id ${id} repeated.`);
      seen.add(id);
      return { id, input: new SqsInput(item) };
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy with only own properties: `__proto__` keys stay data. */
function copy(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function missing(name: string): SqsRefused {
  return new SqsRefused('missing_parameter', `The request must contain the parameter ${name}.`);
}

function invalidType(name: string, what: string): SqsRefused {
  return new SqsRefused(
    'invalid_parameter_value',
    `Value for parameter ${name} is invalid. Reason: must be ${what}.`,
  );
}
