import type { Request, Response } from 'express';
import type { ErrorCode, SqsRefusal } from '../../domain/errors';
import type { ErrorRenderer } from '../error-handler';
import { sendSqsError, type SqsErrorShape } from './render';

const shape = (name: string, code: string, status: number, fault: 'Sender' | 'Receiver' = 'Sender') => ({
  name,
  code,
  status,
  fault,
});
const same = (name: string, status: number) => shape(name, name, status);

/** SQS's error for each refusal of its own (codes and statuses as in AWS's SQS service model). */
export function sqsRefusalShape(reason: SqsRefusal): SqsErrorShape {
  switch (reason) {
    case 'missing_action':
      return same('MissingAction', 400);
    case 'invalid_action':
      return same('InvalidAction', 400);
    case 'missing_parameter':
      return same('MissingParameter', 400);
    case 'invalid_parameter_value':
      return same('InvalidParameterValue', 400);
    case 'invalid_attribute_name':
      return same('InvalidAttributeName', 400);
    case 'invalid_attribute_value':
      return same('InvalidAttributeValue', 400);
    case 'invalid_message_contents':
      return same('InvalidMessageContents', 400);
    case 'invalid_address':
      return same('InvalidAddress', 404);
    case 'queue_name_exists':
      return shape('QueueNameExists', 'QueueAlreadyExists', 400);
    case 'receipt_handle_invalid':
      return same('ReceiptHandleIsInvalid', 404);
    case 'message_not_inflight':
      return shape('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight', 400);
    case 'empty_batch':
      return shape('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest', 400);
    case 'too_many_entries':
      return shape(
        'TooManyEntriesInBatchRequest',
        'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
        400,
      );
    case 'batch_ids_not_distinct':
      return shape('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400);
    case 'invalid_batch_entry_id':
      return shape('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId', 400);
    case 'batch_too_long':
      return shape('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong', 400);
    case 'access_denied':
      return same('AccessDenied', 403);
    case 'missing_authentication_token':
      return same('MissingAuthenticationToken', 403);
    case 'incomplete_signature':
      return same('IncompleteSignature', 400);
    case 'invalid_client_token_id':
      return same('InvalidClientTokenId', 403);
    case 'signature_does_not_match':
      return same('SignatureDoesNotMatch', 403);
    case 'request_expired':
      return same('RequestExpired', 400);
    default: {
      const unknown: never = reason;
      throw new Error(`unmapped SQS refusal ${String(unknown)}`);
    }
  }
}

/** The only place that knows the SQS answer to each domain error. `reason` refines `sqs_refused`. */
export function sqsErrorShape(code: ErrorCode, reason?: SqsRefusal): SqsErrorShape {
  switch (code) {
    case 'sqs_refused':
      return sqsRefusalShape(reason ?? 'invalid_parameter_value');
    case 'invalid_input':
    case 'payload_too_large':
      return same('InvalidParameterValue', 400);
    case 'unauthorized':
      return same('InvalidClientTokenId', 403);
    case 'queue_not_found':
      return shape('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400);
    // The SQS operations turn stale receipts into SQS's own answers; these remain for a message gone meanwhile.
    case 'message_not_found':
    case 'reservation_mismatch':
    case 'message_reserved':
    case 'wrong_state':
      return same('ReceiptHandleIsInvalid', 404);
    case 'not_found':
    case 'route_not_found':
      return same('ResourceNotFoundException', 404);
    case 'consumer_exists':
      return shape('QueueNameExists', 'QueueAlreadyExists', 400);
    case 'concurrency_exceeded':
      return same('OverLimit', 403);
    case 'method_not_allowed':
      return same('InvalidAction', 400);
    case 'unsupported_operation':
      return shape('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', 400);
    case 'store_unavailable':
    case 'server_busy':
      return shape('ServiceUnavailable', 'ServiceUnavailable', 503, 'Receiver');
    default: {
      const unknown: never = code;
      throw new Error(`unmapped error code ${String(unknown)}`);
    }
  }
}

/** Errors of Express's own body reading: too large (413) or malformed. */
function clientShape(status: number): SqsErrorShape {
  return status === 413
    ? same('RequestEntityTooLarge', 413)
    : shape('InvalidParameterValue', 'InvalidParameterValue', status);
}

/** Every failure under the SQS endpoints, in the shape of the request's protocol (JSON or XML). */
export const renderSqsError: ErrorRenderer = (problem, req: Request, res: Response) => {
  switch (problem.kind) {
    case 'domain': {
      const error = problem.error as { reason?: SqsRefusal };
      // SQS's own words for the one error every client shows.
      const message =
        problem.error.code === 'queue_not_found'
          ? 'The specified queue does not exist.'
          : problem.error.message;
      sendSqsError(req, res, sqsErrorShape(problem.error.code, error.reason), message);
      return;
    }
    case 'client':
      sendSqsError(req, res, clientShape(problem.status), problem.msg);
      return;
    case 'internal':
      sendSqsError(
        req,
        res,
        shape('InternalFailure', 'InternalFailure', 500, 'Receiver'),
        'The request processing has failed because of an unknown error, exception or failure.',
      );
      return;
  }
};
