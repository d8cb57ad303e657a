import type { RequestHandler } from 'express';
import * as consumers from '../../engine/consumers';
import type { EngineDeps } from '../../engine/deps';
import { QueueNotFound } from '../../domain/errors';
import { parseFilters } from '../../domain/topics';
import { projectOf } from './auth';
import { integerField, readFields, textField } from './body';
import type { CommandName } from '../../domain/crimsonq-wire';
import { existingConsumer } from '../../domain/consumers';
import { consumerParam } from './params';
import { sendCqJson, sendText } from './respond';
import { consumerToCq } from '../../domain/crimsonq-json';

/**
 * Consumer commands (spec crimsonq §2.3). A consumer is a pull queue of the project; success bodies are
 * CrimsonQ's exactly: JSON strings via c.JSON, bare text via c.SendString.
 */
export function consumerHandlers(deps: EngineDeps) {
  return {
    'consumer.exists': async (req, res) => {
      const info = await consumers.consumerInfo(deps, projectOf(res), String(req.params.consumerId));
      sendCqJson(res, String(info !== null));
    },

    // An unknown consumer is `null` with 200, as in CrimsonQ (the dashboard relies on no error here).
    'consumer.info': async (req, res) => {
      const info = await consumers.consumerInfo(deps, projectOf(res), String(req.params.consumerId));
      sendCqJson(res, info === null ? null : consumerToCq(info));
    },

    // Go's nil slice: `null` when there is no consumer.
    'consumer.list': async (_req, res) => {
      const names = await consumers.listConsumers(deps, projectOf(res));
      sendCqJson(res, names.length === 0 ? null : names);
    },

    'consumer.create': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = textField(fields, 'consumerId');
      const topics = parseFilters(textField(fields, 'topics'));
      const concurrency = integerField(fields, 'concurrency');
      await consumers.createConsumer(deps, projectOf(res), consumerId, topics, concurrency);
      sendCqJson(res, `Created:${consumerId}`);
    },

    'consumer.destroy': async (req, res) => {
      const fields = await readFields(req);
      await consumers.destroyConsumer(
        deps,
        projectOf(res),
        existingConsumer(textField(fields, 'consumerId')),
      );
      sendText(res, 200, 'ok');
    },

    'consumer.topics.get': async (req, res) => {
      const info = await consumers.consumerInfo(deps, projectOf(res), consumerParam(req));
      if (info === null) throw new QueueNotFound(String(req.params.consumerId));
      sendCqJson(res, info.topics);
    },

    // CrimsonQ's handler reads path parameters a POST route does not have, so it always fails; this one works.
    'consumer.topics.set': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      await consumers.setTopics(deps, projectOf(res), consumerId, parseFilters(textField(fields, 'topics')));
      sendCqJson(res, 'ok');
    },

    'consumer.concurrency.set': async (req, res) => {
      const fields = await readFields(req);
      const consumerId = existingConsumer(textField(fields, 'consumerId'));
      await consumers.setConcurrency(deps, projectOf(res), consumerId, integerField(fields, 'concurrency'));
      sendCqJson(res, 'ok');
    },

    'consumer.concurrency.ok': async (req, res) => {
      const ok = await consumers.concurrencyOk(deps, projectOf(res), consumerParam(req));
      sendCqJson(res, String(ok));
    },

    'consumer.flush.complete': async (req, res) => {
      const fields = await readFields(req);
      await consumers.flush(
        deps,
        projectOf(res),
        existingConsumer(textField(fields, 'consumerId')),
        'completed',
      );
      sendText(res, 200, 'Ok');
    },

    'consumer.flush.failed': async (req, res) => {
      const fields = await readFields(req);
      await consumers.flush(
        deps,
        projectOf(res),
        existingConsumer(textField(fields, 'consumerId')),
        'failed',
      );
      sendText(res, 200, 'Ok');
    },
  } satisfies Partial<Record<CommandName, RequestHandler>>;
}
