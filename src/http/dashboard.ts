import path from 'node:path';
import express, { Router, type RequestHandler, type Response } from 'express';

/**
 * The dashboard's static files. This module sits two levels below the package root both as src/http/*.ts
 * (tests, ts-jest) and as dist/http/*.js (npm start), so the same relative path finds ui/ in both.
 */
export const DASHBOARD_DIR = path.resolve(__dirname, '..', '..', 'ui');

/**
 * Same origin only: the dashboard loads its own scripts and styles and calls its own server's API. No inline
 * script or style, no framing (clickjacking), no plugins, no <base> rewriting.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The file types ui/ holds; anything else under /ui is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

/** Relative URLs in index.html resolve against /ui/, so /ui itself moves there first. */
const trailingSlash: RequestHandler = (req, res, next) => {
  const [pathname = '', query] = req.originalUrl.split('?', 2);
  if (req.path === '/' && !pathname.endsWith('/')) {
    res.redirect(301, `${pathname}/${query === undefined ? '' : `?${query}`}`);
    return;
  }
  next();
};

const knownTypesOnly: RequestHandler = (req, _res, next) => {
  const ext = path.extname(req.path);
  // Unknown types fall through to the app's JSON 404.
  if (req.path.endsWith('/') || ext in CONTENT_TYPES) next();
  else next('router');
};

/**
 * Serves ui/ at the mount point (/ui). The files are not fingerprinted, so every load revalidates
 * (`no-cache` with ETag/Last-Modified: a 304 when unchanged) and a new release is picked up at once.
 */
export function dashboardRoutes(dir: string = DASHBOARD_DIR): Router {
  const router = Router();
  router.use(securityHeaders, trailingSlash, knownTypesOnly);
  router.use(
    express.static(dir, {
      index: 'index.html',
      dotfiles: 'ignore',
      redirect: false,
      cacheControl: false,
      etag: true,
      lastModified: true,
      setHeaders: (res: Response, file: string) => {
        const type = CONTENT_TYPES[path.extname(file)];
        if (type) res.setHeader('Content-Type', type);
        res.setHeader('Cache-Control', 'no-cache');
      },
    }),
  );
  return router;
}
