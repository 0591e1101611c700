/**
 * My queue (the home page): the cases waiting on the person in the acting role, or on
 * their unit (the API's `mine=true` with `X-Acting-Role`, issue 9's meaning of "mine"),
 * nearest due date first, one line each, coloured by urgency, with the list's filters,
 * search and pages (lists.ts). Every row carries `data-case-id` (a stable hook).
 */
import type { FastifyPluginAsync } from 'fastify';
import { sendHtml, signedIn } from './context.js';
import { t } from './i18n/index.js';
import { listPage } from './lists.js';

export { caseRow } from './lists.js';

export const queuePages: FastifyPluginAsync = async (app) => {
  app.get('/ui/queue', { schema: { hide: true } }, async (request, reply) => {
    const ctx = signedIn(request);
    const { body } = await listPage(request, '/ui/queue', t(ctx.lang, 'queue.title'), t(ctx.lang, 'queue.empty'), { mine: true });
    return sendHtml(reply, body);
  });
};
