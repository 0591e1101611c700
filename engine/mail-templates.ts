/**
 * The applicant's e-mails, in the applicant's language (ru, kk, en). Rendered when the
 * message is queued, so the outbox shows exactly what is sent.
 *
 * Template data is what the machine put in the effect; the fields read here are listed in
 * `MailData`. Missing fields are left out of the text, never rendered as "undefined".
 */
import type { Language, MailTemplate } from '../machines/contract.js';

export interface MailData {
  /** Last day of the review term, `YYYY-MM-DD`. */
  lastDay?: string;
  /** Review term in days (e.g. 15, or 45 after an extension). */
  days?: number;
  /** Days added by an extension. */
  extensionDays?: number;
  reason?: string;
  registrationNumber?: string;
  /** The answer text. */
  text?: string;
  citations?: string[];
  organization?: string;
  reference?: string;
  subject?: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
}

const ORG: Record<Language, string> = {
  ru: 'АО «QazIndustry»',
  kk: '«QazIndustry» АҚ',
  en: 'JSC QazIndustry',
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Reads template data leniently: a machine may nest the term (`reviewTerm.lastDay`) or not. */
export function mailData(data: Record<string, unknown>): MailData {
  const term = (data.reviewTerm ?? data.term ?? data.review) as Record<string, unknown> | undefined;
  const pick = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = str(data[k]) ?? (term && typeof term === 'object' ? str(term[k]) : undefined);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const num = (...keys: string[]): number | undefined => {
    const v = pick(...keys);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const citations = Array.isArray(data.citations) ? data.citations.filter((c): c is string => typeof c === 'string') : undefined;
  return {
    lastDay: pick('lastDay', 'reviewLastDay', 'dueDate'),
    days: num('days', 'reviewDays', 'amount', 'termDays'),
    extensionDays: num('extensionDays', 'extendedBy', 'addedDays'),
    reason: pick('reason'),
    registrationNumber: pick('registrationNumber'),
    text: pick('text', 'answer', 'answerText'),
    citations,
    organization: pick('organization'),
    reference: pick('reference'),
    subject: pick('subject'),
  };
}

/** In an extension notice, `days` is the extension (the machine's `extend.days`). */
const ext = (d: MailData): number | undefined => d.extensionDays ?? d.days;

type Renderer = (name: string, d: MailData) => RenderedMail;

const lines = (...ls: (string | undefined | false)[]): string => ls.filter((l): l is string => typeof l === 'string').join('\n');

const TEMPLATES: Record<MailTemplate, Record<Language, Renderer>> = {
  acknowledgement: {
    ru: (n, d) => ({
      subject: 'Ваше обращение получено',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        `${ORG.ru} получило ваше обращение.`,
        d.days !== undefined && d.lastDay !== undefined
          ? `Срок рассмотрения — ${d.days} календарных дней со дня поступления, до ${d.lastDay} включительно.`
          : d.lastDay !== undefined
            ? `Срок рассмотрения — до ${d.lastDay} включительно.`
            : `Срок рассмотрения — ${d.days ?? 15} календарных дней со дня поступления.`,
        d.registrationNumber && `Регистрационный номер: ${d.registrationNumber}.`,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Сіздің өтінішіңіз қабылданды',
      text: lines(
        `Құрметті ${n}!`,
        '',
        `${ORG.kk} сіздің өтінішіңізді алды.`,
        d.days !== undefined && d.lastDay !== undefined
          ? `Қарау мерзімі — келіп түскен күннен бастап ${d.days} күнтізбелік күн, ${d.lastDay} қоса алғанда.`
          : d.lastDay !== undefined
            ? `Қарау мерзімі — ${d.lastDay} қоса алғанда.`
            : `Қарау мерзімі — келіп түскен күннен бастап ${d.days ?? 15} күнтізбелік күн.`,
        d.registrationNumber && `Тіркеу нөмірі: ${d.registrationNumber}.`,
      ),
    }),
    en: (n, d) => ({
      subject: 'Your inquiry has been received',
      text: lines(
        `Dear ${n},`,
        '',
        `${ORG.en} has received your inquiry.`,
        d.days !== undefined && d.lastDay !== undefined
          ? `It will be reviewed within ${d.days} calendar days of receipt, by ${d.lastDay} inclusive.`
          : d.lastDay !== undefined
            ? `It will be reviewed by ${d.lastDay} inclusive.`
            : `It will be reviewed within ${d.days ?? 15} calendar days of receipt.`,
        d.registrationNumber && `Registration number: ${d.registrationNumber}.`,
      ),
    }),
  },
  extension_notice: {
    ru: (n, d) => ({
      subject: 'Продление срока рассмотрения обращения',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        `Срок рассмотрения вашего обращения продлён${ext(d) !== undefined ? ` на ${ext(d)} календарных дней` : ''}${d.lastDay !== undefined ? `, до ${d.lastDay} включительно` : ''}.`,
        d.reason && `Причина: ${d.reason}.`,
        `${ORG.ru}`,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Өтінішті қарау мерзімін ұзарту',
      text: lines(
        `Құрметті ${n}!`,
        '',
        `Сіздің өтінішіңізді қарау мерзімі${ext(d) !== undefined ? ` ${ext(d)} күнтізбелік күнге` : ''} ұзартылды${d.lastDay !== undefined ? `, ${d.lastDay} қоса алғанда` : ''}.`,
        d.reason && `Себебі: ${d.reason}.`,
        `${ORG.kk}`,
      ),
    }),
    en: (n, d) => ({
      subject: 'The review of your inquiry has been extended',
      text: lines(
        `Dear ${n},`,
        '',
        `The review term of your inquiry has been extended${ext(d) !== undefined ? ` by ${ext(d)} calendar days` : ''}${d.lastDay !== undefined ? `, to ${d.lastDay} inclusive` : ''}.`,
        d.reason && `Reason: ${d.reason}.`,
        `${ORG.en}`,
      ),
    }),
  },
  answer: {
    ru: (n, d) => ({
      subject: d.subject ?? 'Ответ на ваше обращение',
      text: lines(
        `Уважаемый(ая) ${n}!`,
        '',
        d.text ?? '',
        d.citations?.length ? `\nОснование: ${d.citations.join('; ')}.` : undefined,
        '',
        `${ORG.ru}`,
      ),
    }),
    kk: (n, d) => ({
      subject: d.subject ?? 'Сіздің өтінішіңізге жауап',
      text: lines(
        `Құрметті ${n}!`,
        '',
        d.text ?? '',
        d.citations?.length ? `\nНегіздеме: ${d.citations.join('; ')}.` : undefined,
        '',
        `${ORG.kk}`,
      ),
    }),
    en: (n, d) => ({
      subject: d.subject ?? 'The answer to your inquiry',
      text: lines(
        `Dear ${n},`,
        '',
        d.text ?? '',
        d.citations?.length ? `\nLegal basis: ${d.citations.join('; ')}.` : undefined,
        '',
        `${ORG.en}`,
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
        `Обращение направлено${d.organization ? ` в ${d.organization}` : ' в компетентный орган'} через портал «Открытый диалог»${d.reference ? ` (№ ${d.reference})` : ''}.`,
      ),
    }),
    kk: (n, d) => ({
      subject: 'Сіздің өтінішіңіз қайта жолданды',
      text: lines(
        `Құрметті ${n}!`,
        '',
        `Өтінішіңіздегі мәселе ${ORG.kk} құзыретіне жатпайды.`,
        `Өтініш «Ашық диалог» порталы арқылы${d.organization ? ` ${d.organization} ұйымына` : ' құзыретті органға'} жолданды${d.reference ? ` (№ ${d.reference})` : ''}.`,
      ),
    }),
    en: (n, d) => ({
      subject: 'Your inquiry has been redirected',
      text: lines(
        `Dear ${n},`,
        '',
        `The question in your inquiry is outside the competence of ${ORG.en}.`,
        `It has been forwarded${d.organization ? ` to ${d.organization}` : ' to the competent body'} through the "Open Dialogue" portal${d.reference ? ` (ref. ${d.reference})` : ''}.`,
      ),
    }),
  },
};

/** Renders one of the four applicant e-mails in `language` (unknown languages fall back to ru). */
export function renderMail(
  template: MailTemplate,
  language: Language,
  to: { name: string },
  data: Record<string, unknown>,
): RenderedMail {
  const byLang = TEMPLATES[template];
  if (!byLang) throw new Error(`unknown mail template: ${String(template)}`);
  const render = byLang[language] ?? byLang.ru;
  return render(to.name, mailData(data));
}

export const MAIL_TEMPLATES = Object.keys(TEMPLATES) as MailTemplate[];
