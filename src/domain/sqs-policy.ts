import { SqsRefused } from './errors';

/**
 * AddPermission and RemovePermission edit the queue's Policy document (statements by label), as SQS does. Ferrite
 * keeps and shows the policy but does not enforce it: access is by project (README "SQS API").
 */

interface Statement {
  Sid: string;
  [key: string]: unknown;
}

interface PolicyDocument {
  Version: string;
  Id?: string;
  Statement: Statement[];
}

function parsePolicy(policy: string | undefined): PolicyDocument {
  if (policy === undefined || policy.trim() === '') return { Version: '2012-10-17', Statement: [] };
  try {
    const parsed = JSON.parse(policy) as Partial<PolicyDocument>;
    const statements = Array.isArray(parsed.Statement)
      ? parsed.Statement
      : parsed.Statement
        ? [parsed.Statement]
        : [];
    return { ...parsed, Version: parsed.Version ?? '2012-10-17', Statement: statements };
  } catch {
    throw new SqsRefused('invalid_attribute_value', 'The queue Policy is not valid JSON.');
  }
}

const labelError = (label: string, reason: string) =>
  new SqsRefused(
    'invalid_parameter_value',
    `Value ${label.slice(0, 80)} for parameter Label is invalid. Reason: ${reason}.`,
  );

/** The policy with a statement `label` allowing `actions` (SQS names, `SQS:` prefixed) to `accounts`. */
export function addPermission(
  policy: string | undefined,
  queueArn: string,
  permission: { label: string; accounts: string[]; actions: string[] },
): string {
  const { label, accounts, actions } = permission;
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(label))
    throw labelError(label, 'Must be 1 to 80 letters, digits, hyphens or underscores');
  if (accounts.length === 0)
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter AWSAccountIds.');
  if (actions.length === 0)
    throw new SqsRefused('missing_parameter', 'The request must contain the parameter Actions.');
  const document = parsePolicy(policy);
  if (document.Statement.some((statement) => statement.Sid === label))
    throw labelError(label, 'Already exists');
  document.Id ??= `${queueArn}/SQSDefaultPolicy`;
  document.Statement.push({
    Sid: label,
    Effect: 'Allow',
    Principal: { AWS: accounts.map((account) => `arn:aws:iam::${account}:root`) },
    Action: actions.map((action) => (action === '*' ? 'SQS:*' : `SQS:${action}`)),
    Resource: queueArn,
  });
  return JSON.stringify(document);
}

/** The policy without the statement `label`; an empty policy when none is left. */
export function removePermission(policy: string | undefined, label: string): string {
  const document = parsePolicy(policy);
  const kept = document.Statement.filter((statement) => statement.Sid !== label);
  if (kept.length === document.Statement.length) throw labelError(label, "can't find label");
  return kept.length === 0 ? '' : JSON.stringify({ ...document, Statement: kept });
}
