/** SQS wire constants (AWS's API version 2012-11-05). */

export const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
/** The JSON protocol's Content-Type (AWS SDK for JavaScript v3 and every current SDK). */
export const SQS_JSON_TYPE = 'application/x-amz-json-1.0';
/** The query protocol's answers (older SDKs, botocore before its switch, Debian's AWS CLI). */
export const SQS_XML_TYPE = 'text/xml';
/** `X-Amz-Target: AmazonSQS.<Action>` names the action of a JSON request. */
export const SQS_TARGET_PREFIX = 'AmazonSQS.';
/** The namespace of JSON error types: `{"__type": "com.amazonaws.sqs#QueueDoesNotExist"}`. */
export const SQS_ERROR_NAMESPACE = 'com.amazonaws.sqs';
/** How far a SigV4 request's date may be from the server's clock (AWS: 15 minutes). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
