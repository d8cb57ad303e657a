/**
 * The part of autocannon's API that the bench uses (autocannon ships no types; @types/autocannon is not worth a
 * second dependency for this). See node_modules/autocannon/README.md.
 */
declare module 'autocannon' {
  namespace autocannon {
    type Context = Record<string, unknown>;

    interface RequestParams {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }

    interface Request extends RequestParams {
      /** Builds the request just before it is sent; returning a falsy value ends this connection's sequence. */
      setupRequest?: (request: RequestParams, context: Context) => RequestParams | null | undefined;
      /** Called with the whole response body (which autocannon then keeps for this callback only). */
      onResponse?: (status: number, body: string, context: Context) => void;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      pipelining?: number;
      /** ms between samples; a run's end is noticed on this tick. */
      sampleInt?: number;
      /** Seconds before a request counts as a timeout. */
      timeout?: number;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Played in order on every connection, then again from the first (with a fresh context). */
      requests?: Request[];
      initialContext?: Context;
    }

    interface Client {
      requestIterator: { currentRequestIndex: number };
    }

    interface Result {
      errors: number;
      timeouts: number;
      non2xx: number;
    }

    interface Instance extends NodeJS.EventEmitter {
      stop(): void;
      on(
        event: 'response',
        listener: (client: Client, status: number, bytes: number, ms: number) => void,
      ): this;
      on(event: 'done', listener: (result: Result) => void): this;
      on(event: 'reqError', listener: (error: Error) => void): this;
    }
  }

  function autocannon(
    options: autocannon.Options,
    callback: (error: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;

  export = autocannon;
}
