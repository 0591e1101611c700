/**
 * The staff's e-mails: a reminder before a deadline, the escalation of a missed one, the
 * daily digest. Russian by default, or the person's language (AUTH_FILE `language`).
 *
 * No applicant personal data (issue 15): a case is named by its registration number (if
 * any), its procedure and its id, with the link to its page `/ui/cases/<id>`; never the
 * applicant's name, address or text. The data below has no field that could carry them.
 */
import type { Language } from '../../machines/contract.js';
import type { RenderedMail } from '../mail-templates.js';

/** A case as a staff mail names it. */
export interface CaseRef {
  caseId: string;
  procedure: string;
  registrationNumber?: string;
}

export interface DeadlineRef extends CaseRef {
  key: string;
  /** The deadline's last day (YYYY-MM-DD). */
  lastDay: string;
}

export type StaffMail =
  | { template: 'staff_reminder'; data: DeadlineRef }
  | { template: 'staff_escalation'; data: DeadlineRef }
  | { template: 'staff_digest'; data: { day: string; dueToday: DeadlineRef[]; overdue: DeadlineRef[] } };
export type StaffTemplate = StaffMail['template'];

const PROCEDURE: Record<Language, Record<string, string>> = {
  ru: { publication: 'публикация', 'feedback-inquiry': 'обращение', 'blog-question': 'вопрос в блог', appearance: 'выступление', 'employee-post': 'пост сотрудника' },
  kk: { publication: 'жарияланым', 'feedback-inquiry': 'өтініш', 'blog-question': 'блогқа сұрақ', appearance: 'сөз сөйлеу', 'employee-post': 'қызметкердің посты' },
  en: { publication: 'publication', 'feedback-inquiry': 'inquiry', 'blog-question': 'blog question', appearance: 'appearance', 'employee-post': 'employee post' },
};

const NO_NUMBER: Record<Language, string> = { ru: 'без рег. номера', kk: 'тіркеу нөмірі жоқ', en: 'not registered' };

/**
 * How the deployment words a staff mail: where staff open the pages (STAFF_BASE_URL, no
 * trailing slash; empty: links are paths) and a deadline's name in a language (the pages'
 * labels, given by the server: the engine does not import server/). Stored rendered with
 * the outbox row, so a later change of either does not change a queued mail.
 */
export interface StaffMailStyle {
  base: string;
  deadlineName(lang: Language, key: string): string;
}

/** Paths alone, deadlines by their keys (tests, tools). */
export const PLAIN_STYLE: StaffMailStyle = { base: '', deadlineName: (_lang, key) => key };

/** `ЗТ-1 (обращение) — https://…/ui/cases/<id>`. */
function caseLine(lang: Language, c: CaseRef, s: StaffMailStyle): string {
  const proc = PROCEDURE[lang][c.procedure] ?? c.procedure;
  return `${c.registrationNumber ?? NO_NUMBER[lang]} (${proc}, ${c.caseId}) — ${s.base}/ui/cases/${encodeURIComponent(c.caseId)}`;
}
const caseTitle = (lang: Language, c: CaseRef): string => c.registrationNumber ?? `${PROCEDURE[lang][c.procedure] ?? c.procedure} ${c.caseId.slice(0, 8)}`;

type Renderers = { [M in StaffMail as M['template']]: Record<Language, (d: M['data'], s: StaffMailStyle) => RenderedMail> };

const TEMPLATES: Renderers = {
  staff_reminder: {
    ru: (d, s) => ({
      subject: `Напоминание: срок «${s.deadlineName('ru', d.key)}» по ${caseTitle('ru', d)} истекает ${d.lastDay}`,
      text: `Срок «${s.deadlineName('ru', d.key)}» истекает ${d.lastDay} (последний день включительно).\n${caseLine('ru', d, s)}`,
    }),
    kk: (d, s) => ({
      subject: `Еске салу: ${caseTitle('kk', d)} бойынша «${s.deadlineName('kk', d.key)}» мерзімі ${d.lastDay} аяқталады`,
      text: `«${s.deadlineName('kk', d.key)}» мерзімі ${d.lastDay} аяқталады (соңғы күнді қоса алғанда).\n${caseLine('kk', d, s)}`,
    }),
    en: (d, s) => ({
      subject: `Reminder: the "${s.deadlineName('en', d.key)}" deadline of ${caseTitle('en', d)} ends on ${d.lastDay}`,
      text: `The "${s.deadlineName('en', d.key)}" deadline ends on ${d.lastDay} (the last day inclusive).\n${caseLine('en', d, s)}`,
    }),
  },
  staff_escalation: {
    ru: (d, s) => ({
      subject: `Срок пропущен: «${s.deadlineName('ru', d.key)}» по ${caseTitle('ru', d)}`,
      text: `Срок «${s.deadlineName('ru', d.key)}» истёк ${d.lastDay}, действие не выполнено.\n${caseLine('ru', d, s)}`,
    }),
    kk: (d, s) => ({
      subject: `Мерзім өтіп кетті: ${caseTitle('kk', d)} бойынша «${s.deadlineName('kk', d.key)}»`,
      text: `«${s.deadlineName('kk', d.key)}» мерзімі ${d.lastDay} аяқталды, әрекет орындалмады.\n${caseLine('kk', d, s)}`,
    }),
    en: (d, s) => ({
      subject: `Deadline missed: "${s.deadlineName('en', d.key)}" of ${caseTitle('en', d)}`,
      text: `The "${s.deadlineName('en', d.key)}" deadline ended on ${d.lastDay} and the step is not done.\n${caseLine('en', d, s)}`,
    }),
  },
  staff_digest: {
    ru: (d, s) => digest('ru', d, s, 'Сводка на', 'Срок сегодня', 'Просрочено'),
    kk: (d, s) => digest('kk', d, s, 'Жиынтық', 'Мерзімі бүгін', 'Мерзімі өткен'),
    en: (d, s) => digest('en', d, s, 'Digest for', 'Due today', 'Overdue'),
  },
};

function digest(lang: Language, d: { day: string; dueToday: DeadlineRef[]; overdue: DeadlineRef[] }, s: StaffMailStyle, title: string, today: string, late: string): RenderedMail {
  const item = (x: DeadlineRef) => `- «${s.deadlineName(lang, x.key)}» ${x.lastDay}: ${caseLine(lang, x, s)}`;
  const part = (head: string, xs: DeadlineRef[]) => (xs.length ? [`${head} (${xs.length}):`, ...xs.map(item), ''] : []);
  return {
    subject: `${title} ${d.day}: ${today.toLowerCase()} ${d.dueToday.length}, ${late.toLowerCase()} ${d.overdue.length}`,
    text: [...part(late, d.overdue), ...part(today, d.dueToday)].join('\n').trimEnd(),
  };
}

/** Renders a staff mail in `language` (anything else falls back to ru), worded by `style`. */
export function renderStaffMail(mail: StaffMail, language: Language, style: StaffMailStyle = PLAIN_STYLE): RenderedMail {
  const byLang = TEMPLATES[mail.template] as Record<Language, (d: StaffMail['data'], s: StaffMailStyle) => RenderedMail>;
  return (byLang[language] ?? byLang.ru)(mail.data, style);
}
