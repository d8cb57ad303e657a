import { md5OfAttributes, md5OfBody } from '../../src/domain/sqs-md5';

/**
 * MD5OfMessageAttributes must equal what AWS computes, or the SDKs that check it (Java, .NET, Go) reject the
 * answer. These expected digests are published test vectors of independent SQS implementations and clients.
 */
test.each([
  [{ timestamp: { dataType: 'Number', stringValue: '1493147359900' } }, '235c5c510d26fb653d073faed50ae77c'],
  [
    {
      ordinal: { dataType: 'Number', stringValue: '1' },
      category: { dataType: 'String', stringValue: 'test' },
    },
    'd21ae90c49061e927f57df5f5d72be1f',
  ],
  [{ SellerName: { dataType: 'String', stringValue: 'Example Store' } }, 'cd28f3b68aeee4b2eac9c66f2f694b58'],
  [
    {
      my_attribute_name_1: { dataType: 'String', stringValue: 'my_attribute_value_1' },
      my_attribute_name_2: { dataType: 'String', stringValue: 'my_attribute_value_2' },
    },
    'c48838208d2b4e14e3ca0093a8443f09',
  ],
])('MD5 of message attributes %#', (attributes, expected) => {
  expect(md5OfAttributes(attributes)).toBe(expected);
});

test('no attributes: no digest; the body digest is the MD5 of its UTF-8 bytes', () => {
  expect(md5OfAttributes(null)).toBeNull();
  expect(md5OfAttributes({})).toBeNull();
  expect(md5OfBody('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
});
