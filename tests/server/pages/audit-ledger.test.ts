/**
 * The auditor's page of the log (/ui/audit/ledger, issue 16): the checkpoints to download
 * (each the file `ledger verify --checkpoint` takes, opening with the public key the page
 * offers), a checkpoint signed on request, and nobody but the auditor.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPublicKey, openNote, parseCheckpointBody } from '../../../lib/signed-note.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { signIn } from '../../helpers/pages.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp();
  await t.as('car').post('/cases', {
    procedure: 'feedback-inquiry',
    input: { applicant: { name: 'Айгерим', email: 'a@example.kz' }, language: 'ru', kind: 'question', text: 'Вопрос' },
  });
  await t.engine.idle();
});
afterEach(async () => t.close());

describe('the log page', () => {
  it('lists the checkpoints, signs one on request, and serves each as a file that opens with the public key', async () => {
    const auditor = await signIn(t.app, 'auditor');
    const find = await auditor.get('/ui/audit');
    expect(find.body).toContain('href="/ui/audit/ledger"');
    const before = await auditor.get('/ui/audit/ledger');
    expect(before.statusCode).toBe(200);
    expect(before.body).toContain('<h1>Журнал записей</h1>');
    const rowsBefore = (before.body.match(/data-checkpoint="/g) ?? []).length;

    const signed = await auditor.post('/ui/audit/ledger/checkpoints', {});
    expect(signed.statusCode).toBe(303);
    const location = String(signed.headers.location);
    expect(location).toMatch(/^\/ui\/audit\/ledger\?signed=\d+$/);
    const after = await auditor.get(location);
    expect(after.body).toMatch(/Контрольная точка подписана: записей \d+/);
    expect((after.body.match(/data-checkpoint="/g) ?? []).length).toBe(rowsBefore + 1);

    const id = /signed=(\d+)/.exec(location)![1];
    const file = await auditor.get(`/ui/audit/ledger/checkpoints/${id}.checkpoint`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="checkpoint-\d+-\d+\.checkpoint"$/);
    const pem = await auditor.get('/ui/audit/ledger/public-key.pem');
    expect(pem.body).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const body = parseCheckpointBody(file.body.slice(0, file.body.indexOf('\n\n') + 1));
    expect(openNote(file.body, body.origin, loadPublicKey(pem.body))).toBe(file.body.slice(0, file.body.indexOf('\n\n') + 1));
    const head = await t.engine.ledger.head();
    expect(body.size).toBe(head.size);
    expect(after.body).toContain(`data-latest-size="${body.size}"`);

    expect((await auditor.get('/ui/audit/ledger/checkpoints/999999.checkpoint')).statusCode).toBe(404);
  });

  it('is the auditor\'s only', async () => {
    const car = await signIn(t.app, 'car');
    for (const url of ['/ui/audit/ledger', '/ui/audit/ledger/public-key.pem', '/ui/audit/ledger/checkpoints/1.checkpoint']) {
      expect((await car.get(url)).statusCode, url).toBe(403);
    }
    const latest = await t.engine.ledger.latestCheckpoint();
    expect((await car.post('/ui/audit/ledger/checkpoints', {})).statusCode).toBe(403);
    expect(await t.engine.ledger.latestCheckpoint()).toEqual(latest);
  });
});
