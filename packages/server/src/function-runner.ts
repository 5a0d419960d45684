/**
 * What a function runner receives for one call of `POST /functions/:name`: the JSON body as a
 * string (`"{}"` when the request had none; Parse's `_ApplicationId`-style keys removed) and the
 * request headers, lower-cased, without the master key.
 *
 * @example
 * ```ts
 * const request: FunctionRequest = { body: '{"name":"Ada"}', headers: { 'content-type': 'application/json' } };
 * ```
 */
export interface FunctionRequest {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What a function runner answers: Noodl's CloudRunner shape. A success is conventionally
 * `200` with `{"result": ...}`, a failure `400` with `{"error": "message"}`.
 *
 * @example
 * ```ts
 * const response: FunctionResponse = { statusCode: 200, body: '{"result":{"greeting":"Hi Ada"}}' };
 * ```
 */
export interface FunctionResponse {
  readonly statusCode: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Runs cloud functions for `POST /functions/:name`. `@localbackend/workflows`' `WorkflowRuntime`
 * implements it; any object with this `run` method plugs in. Without a runner the route answers
 * 404 `FUNCTION_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const runner: FunctionRunner = {
 *   async run(name, request) {
 *     if (name !== 'hello') return { statusCode: 404, body: JSON.stringify({ error: `no function ${name}` }) };
 *     const params = JSON.parse(request.body) as { name?: string };
 *     return { statusCode: 200, body: JSON.stringify({ result: `Hello ${params.name ?? 'world'}` }) };
 *   },
 * };
 * ```
 */
export interface FunctionRunner {
  run(name: string, request: FunctionRequest): Promise<FunctionResponse>;
  /**
   * Optional: answers `/webhooks/<path>` (any method). `WorkflowRuntime` implements it for its
   * Webhook Trigger nodes; without it those routes answer 404.
   */
  webhook?(path: string, request: WebhookRequest): Promise<FunctionResponse>;
}

/**
 * What a runner's `webhook` receives: a {@link FunctionRequest} plus the HTTP method and the
 * query string parameters.
 *
 * @example
 * ```ts
 * const call: WebhookRequest = { method: 'POST', body: '{"event":"push"}', headers: {}, query: { secret: 's3cret' } };
 * ```
 */
export interface WebhookRequest extends FunctionRequest {
  readonly method: string;
  readonly query: Readonly<Record<string, string>>;
}
