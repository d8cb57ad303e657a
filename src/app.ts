import express, { Router, type Express } from 'express';
import type { EngineDeps } from './engine/deps';
import { OpenProjects } from './engine/open-auth';
import { RouteNotFound } from './domain/errors';
import { crimsonqRoutes } from './http/crimsonq/routes';
import type { CrimsonqOptions } from './http/crimsonq/settings';
import { dashboardRoutes } from './http/dashboard';
import { errorHandler } from './http/error-handler';
import { renderIronmqError } from './http/errors';
import { mount } from './http/routes';
import { messageRoutes } from './http/ironmq/messages';
import { queueRoutes } from './http/ironmq/queues';
import { pushRoutes } from './http/ironmq/push';
import { redriveRoutes } from './http/ironmq/redrive';
import { reservationRoutes } from './http/ironmq/reservations';
import { projectStatsRoutes, queueStatsRoutes } from './http/ironmq/stats';
import { topicRoutes } from './http/ironmq/topics';
import { webhookRoutes } from './http/ironmq/webhook';
import { openProjectAccess, requireProjectToken } from './http/middleware/auth';
import { jsonBody } from './http/middleware/json-body';
import { methodOverride } from './http/middleware/method-override';
import { requestLog } from './http/middleware/request-log';
import { sqsRoutes, type SqsOptions } from './http/sqs/routes';
import { docsRoutes } from './http/observability/docs';
import { healthRoutes } from './http/observability/health';
import { createMetrics } from './http/observability/metrics';
import type { Logger } from './log';

export interface AppDeps {
  engine: EngineDeps;
  log: Logger;
  /** Largest request body; larger ones get 413 from the Content-Length alone, before being read. */
  maxRequestBytes: number;
  /** How many queues get per-queue metric series of their own (the rest share `_other`); default 100. */
  metricsQueueLabelLimit?: number;
  /** The CrimsonQ API (`/login`, `/api`); not mounted when absent. */
  crimsonq?: CrimsonqOptions;
  /** The SQS API (`POST /`, `/sqs`, queue URLs); not mounted when absent. */
  sqs?: SqsOptions;

  /** FERRITE_AUTH=open: any project id and token are accepted on the IronMQ API (tests and CI only). */
  openAuth?: boolean;
}

/** The whole HTTP surface as an Express app, without listen(): main.ts and the tests both start it. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const metrics = createMetrics(deps.engine, { queueLabelLimit: deps.metricsQueueLabelLimit });
  // Which node answered: behind a load balancer, every answer names it (docs: README, "Several nodes").
  const node = deps.engine.node.nodeId;
  app.use((_req, res, next) => {
    res.setHeader('X-Ferrite-Node', node);
    next();
  });
  app.use(metrics.middleware);
  app.use(requestLog(deps.log));
  app.use(methodOverride);
  // Every body is read raw (any Content-Type: webhooks and odd clients) with the size limit, then parsed.
  const rawBody = express.raw({ type: () => true, limit: deps.maxRequestBytes });

  // The IronMQ API first: it is the hot path, and no other route shares its prefix.
  const ironmq = Router({ mergeParams: true });
  const projectAccess = deps.openAuth
    ? openProjectAccess(new OpenProjects(deps.engine.store, deps.engine.clock))
    : requireProjectToken(deps.engine);
  ironmq.use(rawBody);
  // The webhook takes its raw body as the message: it is routed before the JSON parser.
  mount(ironmq, '/queues', webhookRoutes(deps.engine, projectAccess));
  ironmq.use(jsonBody);
  ironmq.use(projectAccess);
  mount(
    ironmq,
    '/queues',
    queueRoutes(deps.engine),
    messageRoutes(deps.engine),
    reservationRoutes(deps.engine),
    pushRoutes(deps.engine),
    queueStatsRoutes(deps.engine),
    redriveRoutes(deps.engine),
  );
  mount(ironmq, '/stats', projectStatsRoutes(deps.engine));
  mount(ironmq, '/topics', topicRoutes(deps.engine));
  mount(app, '/3/projects/:projectId', ironmq);

  mount(
    app,
    '/',
    healthRoutes(deps.engine, { openAuth: deps.openAuth === true }),
    metrics.routes,
    docsRoutes(),
  );
  mount(app, '/ui', dashboardRoutes());
  // CrimsonQ reads its own bodies (JSON, forms, multipart) and answers in its own text shapes.
  if (deps.crimsonq) {
    mount(app, '/', crimsonqRoutes(deps.engine, deps.crimsonq, deps.log, deps.maxRequestBytes));
  }
  // SQS reads its own bodies (JSON or forms) and answers in its own shapes; other requests pass through.
  if (deps.sqs) mount(app, '/', sqsRoutes(deps.engine, deps.sqs, deps.log, deps.maxRequestBytes));
  // Other paths read their bodies too (within the limit) before the 404: an answer sent while a client is
  // still sending would make Node close the connection under it.
  app.use(rawBody);

  app.use(() => {
    throw new RouteNotFound();
  });
  app.use(errorHandler(deps.log, renderIronmqError));
  return app;
}
