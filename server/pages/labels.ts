/**
 * Words for the engine's identifiers (roles, procedures; states, events, deadlines and
 * fields are added per procedure): `Record<Lang, …>` over the machines' own lists, so a
 * new role or procedure is a compile error here until it has a name in every language.
 * An identifier without a label is shown as it is (never an empty cell).
 */
import type { ProcedureId, Role } from '../../machines/contract.js';
import type { Lang } from './i18n/index.js';

const ROLE_LABELS: Record<Lang, Record<Role, string>> = {
  ru: {
    initiator: 'Инициатор',
    press_secretary: 'Пресс-секретарь',
    administrator: 'Администратор сайта',
    car: 'ЦАР',
    unit: 'Структурное подразделение',
    supervisor: 'Курирующий руководитель',
    chairman: 'Председатель Правления',
    auditor: 'Аудитор',
    system: 'Система',
  },
  kk: {
    initiator: 'Бастамашы',
    press_secretary: 'Баспасөз хатшысы',
    administrator: 'Сайт әкімшісі',
    car: 'ӨТО',
    unit: 'Құрылымдық бөлімше',
    supervisor: 'Жетекшілік ететін басшы',
    chairman: 'Басқарма Төрағасы',
    auditor: 'Аудитор',
    system: 'Жүйе',
  },
  en: {
    initiator: 'Initiator',
    press_secretary: 'Press secretary',
    administrator: 'Site administrator',
    car: 'Administrative centre (CAR)',
    unit: 'Structural unit',
    supervisor: 'Supervisor',
    chairman: 'Chairman of the Board',
    auditor: 'Auditor',
    system: 'System',
  },
};

const PROCEDURE_LABELS: Record<Lang, Record<ProcedureId, string>> = {
  ru: { publication: 'Публикация материала', 'feedback-inquiry': 'Обращение через форму обратной связи', 'blog-question': 'Вопрос в блог Председателя' },
  kk: { publication: 'Материалды жариялау', 'feedback-inquiry': 'Кері байланыс нысаны арқылы өтініш', 'blog-question': 'Төраға блогына сұрақ' },
  en: { publication: 'Publication of a material', 'feedback-inquiry': 'Feedback-form inquiry', 'blog-question': "Question to the Chairman's blog" },
};

export function roleLabel(lang: Lang, role: string): string {
  return (ROLE_LABELS[lang] as Record<string, string>)[role] ?? role;
}

export function procedureLabel(lang: Lang, procedure: string): string {
  return (PROCEDURE_LABELS[lang] as Record<string, string>)[procedure] ?? procedure;
}

/**
 * A state in words (issue 14's lists). A minimal seam: the case page's labels fill
 * `STATE_LABELS` per procedure; until a state has a label, it is shown as it is.
 */
const STATE_LABELS: Partial<Record<Lang, Partial<Record<string, Record<string, string>>>>> = {};

export function stateLabel(lang: Lang, procedure: string, state: string): string {
  return STATE_LABELS[lang]?.[procedure]?.[state] ?? state;
}
