/**
 * The applicant's e-mails, in the applicant's language (ru, kk, en). Rendered when the
 * message is queued, so the outbox shows exactly what is sent.
 *
 * Each template renders from the data its machine puts in the effect, typed per template
 * in machines/common/effects.ts; a field a template needs is required there, so a missing
 * one is a type error, not a hole or a default in the text. The output is stored bytes
 * (outbox rows keep the rendered subject and text): tests/engine/mail-templates.test.ts
 * pins it for every template and language against the text before the typed effects.
 */
import type { Language, MailDataByTemplate, MailTemplate } from '../machines/contract.js';

export interface RenderedMail {
  subject: string;
  text: string;
}

const ORG: Record<Language, string> = {
  ru: 'АО «QazIndustry»',
  kk: '«QazIndustry» АҚ',
  en: 'JSC QazIndustry',
};

type Renderer<T extends MailTemplate> = (name: string, d: MailDataByTemplate[T]) => RenderedMail;

const lines = (...ls: (string | undefined | false)[]): string => ls.filter((l): l is string => typeof l === 'string').join('\n');

/**
 * The reason an extension notice gives the applicant: staff's `applicantReason` (written
 * for them, in their language) or the standard sentence of п. 39 in the applicant's
 * language. The chairman's own `reason` is internal and is not in the data at all.
 */
const STANDARD_EXTENSION_REASON: Record<Language, string> = {
  ru: 'для рассмотрения обращения требуется дополнительное изучение или проверка.',
  kk: 'өтінішті қарау үшін қосымша зерделеу немесе тексеру қажет.',
  en: 'the review of your inquiry requires additional study or checking.',
};
function reasonOf(d: MailDataByTemplate['extension_notice'], language: Language): string {
  const given = d.applicantReason?.trim();
  if (!given) return STANDARD_EXTENSION_REASON[language];
  return /[.!?…]$/.test(given) ? given : `${given}.`;
}

const TEMPLATES: { [T in MailTemplate]: Record<Language, Renderer<T>> } = {
  acknowledgement: {
    ru: (n, d) => ({
      subject: 'Ваше обращение получено',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        `${ORG.ru} получило ваше обращение.`,
        `Срок рассмотрения — ${d.reviewDays} календарных дней со дня поступления, до ${d.reviewLastDay} включительно.`,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Сіздің өтінішіңіз қабылданды',
      text: lines(
        `Құрметті ${n}!`,
        '',
        `${ORG.kk} сіздің өтінішіңізді алды.`,
        `Қарау мерзімі — келіп түскен күннен бастап ${d.reviewDays} күнтізбелік күн, ${d.reviewLastDay} қоса алғанда.`,
      ),
    }),
    en: (n, d) => ({
      subject: 'Your inquiry has been received',
      text: lines(
        `Dear ${n},`,
        '',
        `${ORG.en} has received your inquiry.`,
        `It will be reviewed within ${d.reviewDays} calendar days of receipt, by ${d.reviewLastDay} inclusive.`,
      ),
    }),
  },
  // `days` is this decision's extension; the last day is the term after it.
  extension_notice: {
    ru: (n, d) => ({
      subject: 'Продление срока рассмотрения обращения',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        `Срок рассмотрения вашего обращения продлён на ${d.days} календарных дней, до ${d.reviewLastDay} включительно.`,
        `Причина: ${reasonOf(d, 'ru')}`,
        ORG.ru,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Өтінішті қарау мерзімін ұзарту',
      text: lines(
        `Құрметті ${n}!`,
        '',
        `Сіздің өтінішіңізді қарау мерзімі ${d.days} күнтізбелік күнге ұзартылды, ${d.reviewLastDay} қоса алғанда.`,
        `Себебі: ${reasonOf(d, 'kk')}`,
        ORG.kk,
      ),
    }),
    en: (n, d) => ({
      subject: 'The review of your inquiry has been extended',
      text: lines(
        `Dear ${n},`,
        '',
        `The review term of your inquiry has been extended by ${d.days} calendar days, to ${d.reviewLastDay} inclusive.`,
        `Reason: ${reasonOf(d, 'en')}`,
        ORG.en,
      ),
    }),
  },
  // The legal-basis line only when the answer cites something (a proposal may not, п. 40).
  answer: {
    ru: (n, d) => ({
      subject: 'Ответ на ваше обращение',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        d.text,
        d.citations.length ? `\nОснование: ${d.citations.join('; ')}.` : undefined,
        '',
        ORG.ru,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Сіздің өтінішіңізге жауап',
      text: lines(
        `Құрметті ${n}!`,
        '',
        d.text,
        d.citations.length ? `\nНегіздеме: ${d.citations.join('; ')}.` : undefined,
        '',
        ORG.kk,
      ),
    }),
    en: (n, d) => ({
      subject: 'The answer to your inquiry',
      text: lines(
        `Dear ${n},`,
        '',
        d.text,
        d.citations.length ? `\nLegal basis: ${d.citations.join('; ')}.` : undefined,
        '',
        ORG.en,
      ),
    }),
  },
  redirect_notice: {
    ru: (n, d) => ({
      subject: 'Ваше обращение перенаправлено',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        `Вопрос, поставленный в вашем обращении, не относится к компетенции ${ORG.ru}.`,
        `Обращение направлено в ${d.organization} через портал «Открытый диалог» (№ ${d.reference}).`,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Сіздің өтінішіңіз қайта жолданды',
      text: lines(
        `Құрметті ${n}!`,
        '',
        `Өтінішіңіздегі мәселе ${ORG.kk} құзыретіне жатпайды.`,
        `Өтініш «Ашық диалог» порталы арқылы ${d.organization} ұйымына жолданды (№ ${d.reference}).`,
      ),
    }),
    en: (n, d) => ({
      subject: 'Your inquiry has been redirected',
      text: lines(
        `Dear ${n},`,
        '',
        `The question in your inquiry is outside the competence of ${ORG.en}.`,
        `It has been forwarded to ${d.organization} through the "Open Dialogue" portal (ref. ${d.reference}).`,
      ),
    }),
  },
};

/**
 * Renders one of the four applicant e-mails in `language` (a language outside ru/kk/en,
 * which the schemas refuse, falls back to ru). `data` is typed by `template`; called with
 * a `MailEffect`'s fields, the effect's own union keeps template and data together.
 */
export function renderMail<T extends MailTemplate>(
  template: T,
  language: Language,
  to: { name: string },
  data: MailDataByTemplate[T],
): RenderedMail {
  const byLang: Record<Language, Renderer<T>> | undefined = TEMPLATES[template];
  if (!byLang) throw new Error(`unknown mail template: ${String(template)}`);
  const render = byLang[language] ?? byLang.ru;
  return render(to.name, data);
}

export const MAIL_TEMPLATES = Object.keys(TEMPLATES) as MailTemplate[];
