import type { RequestHandler, Response } from 'express';
import * as consumers from '../../engine/consumers';
import type { EngineDeps } from '../../engine/deps';
import { projectOf } from './auth';
import { readFields, textField } from './body';
import { existingConsumer, messageIdOf, statusParam } from '../../domain/consumers';
import { countsToCq, messageToCq } from '../../domain/crimsonq-json';
import { CQ_ERROR, goJson, type CommandName } from '../../domain/crimsonq-wire';
import { consumerParam } from './params';
import { sendCqJson, sendText } from './respond';
import { MESSAGE_IDS_HEADER } from './wire';

/** Pushes answer CrimsonQ's `"Ok"`; the new ids (which CrimsonQ never returned) travel in a header. */
function sendPushed(res: Response, ids: string[]): void {
  res.setHeader(MESSAGE_IDS_HEADER, ids.join(','));
  sendCqJson(res, 'Ok');
}

/** Message commands (spec crimsonq §2.3), each one engine call and so one store transaction. */
export function messageHandlers(deps: EngineDeps) {
  return {
    'msg.keys': async (req, res) => {
      sendCqJson(res, await consumers.messageKeys(deps, projectOf(res), consumerParam(req)));
    },

    // Also the REST keep-alive of the consumer (CrimsonQ's docs tell REST users to poll it).
    'msg.counts': async (req, res) => {
      sendCqJson(res, countsToCq(await consumers.statusCounts(deps, projectOf(res), consumerParam(req))));
    },

    // Double-encoded, as CrimsonQ sends it: a JSON string holding the JSON array ("[]" when empty).
    'msg.list.json': async (req, res) => {
      const status = statusParam(String(req.params.status));
      if (status === null) {
        sendText(res, 400, CQ_ERROR.incorrectStatus);
        return;
      }
      const consumerId = consumerParam(req);
      const messages = await consumers.listStatus(deps, projectOf(res), consumerId, status);
      sendCqJson(res, goJson(messages.map((message) => messageToCq(message, consumerId))));
    },

    // `null` when nothing is pending; at the concurrency cap, 005.
    'msg.pull': async (req, res) => {
      const consumerId = consumerParam(req);
      const message = await consumers.pull(deps, projectOf(res), consumerId);
      sendCqJson(res, message === null ? null : messageToCq(message, consumerId));
    },

    'msg.push.consumer': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      const body = textField(fields, 'messageString');
      sendPushed(res, [await consumers.pushToConsumer(deps, projectOf(res), consumerId, body)]);
    },

    // One copy per matching consumer; "Ok" even when none matched, as in CrimsonQ.
    'msg.push.topic': async (req, res) => {
      const fields = await readFields(req);
      const topic = textField(fields, 'topicString');
      const message = { body: textField(fields, 'messageString'), delay: 0, pushHeaders: null };
      const byConsumer = await consumers.publish(deps, projectOf(res), topic, [message]);
      const names = Object.keys(byConsumer).sort();
      sendPushed(
        res,
        names.flatMap((name) => byConsumer[name]!),
      );
    },

    'msg.del': async (req, res) => {
      const fields = await readFields(req);
      const status = statusParam(textField(fields, 'status'));
      if (status === null) {
        sendText(res, 400, CQ_ERROR.incorrectStatus);
        return;
      }
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      const id = messageIdOf(textField(fields, 'messageId'));
      await consumers.deleteInStatus(deps, projectOf(res), consumerId, status, id);
      sendCqJson(res, 'Ok');
    },

    'msg.fail': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      const id = messageIdOf(textField(fields, 'messageId'));
      await consumers.fail(deps, projectOf(res), consumerId, id, textField(fields, 'errMsg'));
      sendText(res, 200, 'Ok');
    },

    'msg.complete': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      await consumers.complete(deps, projectOf(res), consumerId, messageIdOf(textField(fields, 'messageId')));
      sendText(res, 200, 'Ok');
    },

    'msg.retry': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      await consumers.retry(deps, projectOf(res), consumerId, messageIdOf(textField(fields, 'messageId')));
      sendText(res, 200, 'Ok');
    },

    'msg.retryall': async (req, res) => {
      const fields = await readFields(req);
      await consumers.retry(deps, projectOf(res), existingConsumer(textField(fields, 'consumerId')), null);
      sendText(res, 200, 'Ok');
    },
  } satisfies Partial<Record<CommandName, RequestHandler>>;
}
