// One AbortSignal per generation request: the client going away cancels the work (its samples leave
// the batch at the next iteration), and so does REQUEST_TIMEOUT_MS, with an error that says which.
import type { FastifyReply } from 'fastify';
import { RequestCancelledError, RequestTimeoutError } from '../errors.js';

export interface RequestSignal {
  signal: AbortSignal;
  /** Stops the timer; call once the answer is written. */
  dispose(): void;
}

export function requestSignal(reply: FastifyReply, timeoutMs: number): RequestSignal {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(new RequestCancelledError());
  };
  reply.raw.on('close', onClose);
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(new RequestTimeoutError(timeoutMs)), timeoutMs) : undefined;
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    },
  };
}
