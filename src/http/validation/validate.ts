import type { RequestHandler } from 'express';
import { checkSchema, type Location, type ParamSchema, type Schema } from 'express-validator';
import { InvalidInput } from '../../domain/errors';

/**
 * Compiles a schema once and returns a middleware that runs it and throws InvalidInput (→ 400) naming the
 * first bad field. Sanitizers (toInt …) rewrite the request in place, so handlers read typed values.
 */
export function validate(schema: Schema, location: Location): RequestHandler {
  const chains = checkSchema(schema, [location]);
  return async (req, _res, next) => {
    const results = await chains.run(req);
    for (const result of results) {
      const first = result.array({ onlyFirstError: true })[0];
      if (first) {
        const path = first.type === 'field' ? first.path : 'request';
        const reason = String(first.msg);
        // A reason about an element ("[3].body must be …") continues the path: messages[3].body.
        throw new InvalidInput(reason.startsWith('[') ? `${path}${reason}` : `${path} ${reason}`);
      }
    }
    next();
  };
}

const absentIfNull = { options: { values: 'null' as const } };

/** An optional whole number in [min, max]; null means absent. Digit strings are accepted too. */
export function wholeNumber(min: number, max: number): ParamSchema {
  const errorMessage = `must be a whole number from ${min} to ${max}`;
  return {
    optional: absentIfNull,
    // Standard validators check each item of an array (and none of []), so arrays must be refused first.
    custom: { options: (value: unknown) => !Array.isArray(value), errorMessage },
    isInt: { options: { min, max }, errorMessage },
    toInt: true,
  };
}

export const optionalString: ParamSchema = {
  optional: absentIfNull,
  isString: { errorMessage: 'must be a string' },
};

export const requiredString: ParamSchema = {
  exists: { errorMessage: 'is required' },
  isString: { errorMessage: 'must be a string' },
};

export const optionalObject: ParamSchema = {
  optional: absentIfNull,
  isObject: { errorMessage: 'must be a JSON object' },
};

export const optionalBoolean: ParamSchema = {
  optional: absentIfNull,
  custom: {
    options: (value: unknown) => value === true || value === false || value === 'true' || value === 'false',
    errorMessage: 'must be true or false',
  },
  customSanitizer: { options: (value: unknown) => value === true || value === 'true' },
};
