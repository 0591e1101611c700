/**
 * Words for the engine's identifiers (roles, procedures; states, events, deadlines and
 * fields per procedure, below): `Record<Lang, …>` over the machines' own lists, so a
 * new role or procedure is a compile error here until it has a name in every language.
 * An identifier without a label is shown as it is (never an empty cell).
 */
import type { ProcedureId, Role } from '../../machines/contract.js';
import type { Lang } from './i18n/index.js';
import type { DeadlineKeyOf, EventTypeOf } from '../../machines/index.js';
import type { CORRECT_EVENT } from '../../machines/common/corrections.js';

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
  ru: {
    publication: 'Публикация материала',
    'feedback-inquiry': 'Обращение через форму обратной связи',
    'blog-question': 'Вопрос в блог Председателя',
    'employee-post': 'Пост сотрудника об Обществе',
  },
  kk: {
    publication: 'Материалды жариялау',
    'feedback-inquiry': 'Кері байланыс нысаны арқылы өтініш',
    'blog-question': 'Төраға блогына сұрақ',
    'employee-post': 'Қызметкердің Қоғам туралы посты',
  },
  en: {
    publication: 'Publication of a material',
    'feedback-inquiry': 'Feedback-form inquiry',
    'blog-question': "Question to the Chairman's blog",
    'employee-post': "An employee's post about the Company",
  },
};

export function roleLabel(lang: Lang, role: string): string {
  return (ROLE_LABELS[lang] as Record<string, string>)[role] ?? role;
}

export function procedureLabel(lang: Lang, procedure: string): string {
  return (PROCEDURE_LABELS[lang] as Record<string, string>)[procedure] ?? procedure;
}

// ——— Per procedure: states, events, deadlines, fields, allowed values ———
// The machines share their identifiers (`register`, `review`, `unit`), so one name per
// identifier serves every procedure; `PROCEDURE_OVERRIDES` gives a procedure its own word
// where the shared one would mislead. Events and deadline keys are typed over the machines'
// own unions (a new one is a compile error here); states and fields are checked by
// tests/server/pages/labels.test.ts against every procedure's machine and schemas.

/** `correct` is the runtime's (machines/common/corrections.ts), added to every procedure's schemas. */
type EventType = EventTypeOf<ProcedureId> | typeof CORRECT_EVENT;
type DeadlineKey = DeadlineKeyOf<ProcedureId>;
type Words = Record<string, string>;

export const STATE_LABELS: Record<Lang, Words> = {
  ru: {
    editing: 'Подготовка материала',
    changes_requested: 'Возвращено на доработку',
    translation: 'Перевод',
    translated: 'Переведено',
    posting: 'Размещение',
    published: 'Опубликовано',
    rejected: 'Отклонено',
    received: 'Поступило',
    registered: 'Зарегистрировано',
    in_review: 'На рассмотрении',
    answer_review: 'Проверка ответа',
    redirection: 'Перенаправление',
    answered: 'Ответ дан',
    noted: 'Принято к сведению',
    redirected: 'Перенаправлено',
    with_press_secretary: 'У пресс-секретаря',
    with_chairman: 'У Председателя',
    rework: 'Доработка',
    approved: 'Одобрено',
    posted: 'Размещено',
    submitted: 'На одобрении у пресс-секретаря',
    returned: 'Возвращено с замечаниями',
    removal_demanded: 'Требование удалить',
    escalated: 'У руководителя сотрудника',
    refused: 'Не одобрено',
    withdrawn: 'Отозвано',
    removed: 'Удалено',
    decided: 'Решение руководителя',
  },
  kk: {
    editing: 'Материалды дайындау',
    changes_requested: 'Пысықтауға қайтарылды',
    translation: 'Аударма',
    translated: 'Аударылды',
    posting: 'Орналастыру',
    published: 'Жарияланды',
    rejected: 'Қабылданбады',
    received: 'Түсті',
    registered: 'Тіркелді',
    in_review: 'Қаралуда',
    answer_review: 'Жауапты тексеру',
    redirection: 'Қайта жолдау',
    answered: 'Жауап берілді',
    noted: 'Назарға алынды',
    redirected: 'Қайта жолданды',
    with_press_secretary: 'Баспасөз хатшысында',
    with_chairman: 'Төрағада',
    rework: 'Пысықтау',
    approved: 'Мақұлданды',
    posted: 'Орналастырылды',
    submitted: 'Баспасөз хатшысының мақұлдауында',
    returned: 'Ескертулермен қайтарылды',
    removal_demanded: 'Жою талабы',
    escalated: 'Қызметкердің басшысында',
    refused: 'Мақұлданбады',
    withdrawn: 'Кері қайтарып алынды',
    removed: 'Жойылды',
    decided: 'Басшының шешімі',
  },
  en: {
    editing: 'Being prepared',
    changes_requested: 'Changes requested',
    translation: 'In translation',
    translated: 'Translated',
    posting: 'Being posted',
    published: 'Published',
    rejected: 'Rejected',
    received: 'Received',
    registered: 'Registered',
    in_review: 'Under review',
    answer_review: 'Answer under review',
    redirection: 'Being redirected',
    answered: 'Answered',
    noted: 'Noted',
    redirected: 'Redirected',
    with_press_secretary: 'With the press secretary',
    with_chairman: 'With the Chairman',
    rework: 'Rework',
    approved: 'Approved',
    posted: 'Posted',
    submitted: 'Awaiting the press secretary’s approval',
    returned: 'Returned with comments',
    removal_demanded: 'Removal demanded',
    escalated: 'With the employee’s manager',
    refused: 'Not approved',
    withdrawn: 'Withdrawn',
    removed: 'Removed',
    decided: 'Decided by the manager',
  },
};

export const EVENT_LABELS: Record<Lang, Record<EventType, string>> = {
  ru: {
    accept: 'Принять материал',
    request_changes: 'Вернуть на доработку',
    resubmit: 'Отправить повторно',
    reschedule: 'Перенести дату публикации',
    reject: 'Отклонить',
    send_for_translation: 'Отправить на перевод',
    deliver_translation: 'Сдать перевод',
    send_to_administrator: 'Передать администратору сайта',
    post: 'Отметить размещение',
    comment: 'Комментарий',
    message_delivered: 'Сообщение доставлено',
    message_failed: 'Сообщение не доставлено',
    resend_message: 'Отправить сообщение повторно',
    deadline_missed: 'Срок пропущен',
    reminder_queued: 'Напоминание сотрудникам',
    escalation_queued: 'Эскалация пропуска срока',
    correct: 'Исправить запись',
    register: 'Зарегистрировать',
    assign: 'Назначить подразделение',
    claim: 'Взять в работу',
    reassign: 'Передать другому исполнителю',
    extend: 'Продлить срок',
    submit_answer: 'Представить ответ',
    return_answer: 'Вернуть ответ на доработку',
    approve_answer: 'Утвердить ответ',
    note_proposal: 'Принять предложение к сведению',
    redirect: 'Перенаправить по компетенции',
    forward: 'Отметить пересылку',
    cancel_redirect: 'Отменить перенаправление',
    record_notice: 'Отметить уведомление иным способом',
    deadline_recounted: 'Срок пересчитан по новому календарю',
    agree_answer: 'Согласовать ответ',
    forward_to_chairman: 'Передать Председателю',
    approve: 'Одобрить',
    return_post: 'Вернуть с замечаниями',
    refuse: 'Не одобрять',
    withdraw: 'Отозвать пост',
    confirm_removal: 'Подтвердить удаление',
    escalate: 'Сообщить руководителю сотрудника',
    record_decision: 'Записать решение руководителя',
    return_for_rework: 'Вернуть на доработку',
  },
  kk: {
    accept: 'Материалды қабылдау',
    request_changes: 'Пысықтауға қайтару',
    resubmit: 'Қайта жіберу',
    reschedule: 'Жариялау күнін ауыстыру',
    reject: 'Қабылдамау',
    send_for_translation: 'Аудармаға жіберу',
    deliver_translation: 'Аударманы тапсыру',
    send_to_administrator: 'Сайт әкімшісіне беру',
    post: 'Орналастыруды белгілеу',
    comment: 'Түсініктеме',
    message_delivered: 'Хабар жеткізілді',
    message_failed: 'Хабар жеткізілмеді',
    resend_message: 'Хабарды қайта жіберу',
    deadline_missed: 'Мерзім өтіп кетті',
    reminder_queued: 'Қызметкерлерге еске салу',
    escalation_queued: 'Мерзімнің өтуі туралы хабарлау',
    correct: 'Жазбаны түзету',
    register: 'Тіркеу',
    assign: 'Бөлімшені тағайындау',
    claim: 'Жұмысқа алу',
    reassign: 'Басқа орындаушыға беру',
    extend: 'Мерзімді ұзарту',
    submit_answer: 'Жауапты ұсыну',
    return_answer: 'Жауапты пысықтауға қайтару',
    approve_answer: 'Жауапты бекіту',
    note_proposal: 'Ұсынысты назарға алу',
    redirect: 'Құзыреті бойынша қайта жолдау',
    forward: 'Жолдауды белгілеу',
    cancel_redirect: 'Қайта жолдауды болдырмау',
    record_notice: 'Басқа тәсілмен хабарлауды белгілеу',
    deadline_recounted: 'Мерзім жаңа күнтізбе бойынша қайта есептелді',
    agree_answer: 'Жауапты келісу',
    forward_to_chairman: 'Төрағаға беру',
    approve: 'Мақұлдау',
    return_post: 'Ескертулермен қайтару',
    refuse: 'Мақұлдамау',
    withdraw: 'Постты кері қайтарып алу',
    confirm_removal: 'Жойылғанын растау',
    escalate: 'Қызметкердің басшысына хабарлау',
    record_decision: 'Басшының шешімін жазу',
    return_for_rework: 'Пысықтауға қайтару',
  },
  en: {
    accept: 'Accept the material',
    request_changes: 'Request changes',
    resubmit: 'Resubmit',
    reschedule: 'Reschedule the publication',
    reject: 'Reject',
    send_for_translation: 'Send for translation',
    deliver_translation: 'Deliver a translation',
    send_to_administrator: 'Hand to the site administrator',
    post: 'Record a posting',
    comment: 'Comment',
    message_delivered: 'Message delivered',
    message_failed: 'Message failed',
    resend_message: 'Resend a message',
    deadline_missed: 'Deadline missed',
    reminder_queued: 'Staff reminder queued',
    escalation_queued: 'Missed deadline escalated',
    correct: 'Correct a record',
    register: 'Register',
    assign: 'Assign a unit',
    claim: 'Take the case',
    reassign: 'Hand over',
    extend: 'Extend the term',
    submit_answer: 'Submit the answer',
    return_answer: 'Return the answer',
    approve_answer: 'Approve the answer',
    note_proposal: 'Note the proposal',
    redirect: 'Redirect to the competent body',
    forward: 'Record the forwarding',
    cancel_redirect: 'Cancel the redirection',
    record_notice: 'Record a notice given another way',
    deadline_recounted: 'Deadline recounted with a new calendar',
    agree_answer: 'Agree the answer',
    forward_to_chairman: 'Forward to the Chairman',
    approve: 'Approve',
    return_post: 'Return with comments',
    refuse: 'Do not approve',
    withdraw: 'Withdraw the post',
    confirm_removal: 'Confirm the removal',
    escalate: 'Tell the employee’s manager',
    record_decision: 'Record the manager’s decision',
    return_for_rework: 'Return for rework',
  },
};

export const DEADLINE_LABELS: Record<Lang, Record<DeadlineKey, string>> = {
  ru: {
    submission: 'Подача материала',
    translation: 'Перевод',
    posting: 'Размещение',
    review: 'Рассмотрение обращения',
    extension_notice: 'Уведомление о продлении',
    redirect_notice: 'Уведомление о перенаправлении',
    forward: 'Пересылка по компетенции',
    unit_answer: 'Ответ подразделения',
    to_chairman: 'Передача Председателю',
    rework: 'Доработка',
    post_review: 'Ответ пресс-секретаря на пост (внутренний срок)',
    post_removal: 'Удаление поста (внутренний срок)',
  },
  kk: {
    submission: 'Материалды ұсыну',
    translation: 'Аударма',
    posting: 'Орналастыру',
    review: 'Өтінішті қарау',
    extension_notice: 'Ұзарту туралы хабарлама',
    redirect_notice: 'Қайта жолдау туралы хабарлама',
    forward: 'Құзыреті бойынша жолдау',
    unit_answer: 'Бөлімшенің жауабы',
    to_chairman: 'Төрағаға беру',
    rework: 'Пысықтау',
    post_review: 'Баспасөз хатшысының постқа жауабы (ішкі мерзім)',
    post_removal: 'Постты жою (ішкі мерзім)',
  },
  en: {
    submission: 'Submission of the material',
    translation: 'Translation',
    posting: 'Posting',
    review: 'Review of the inquiry',
    extension_notice: 'Notice of the extension',
    redirect_notice: 'Notice of the redirection',
    forward: 'Forwarding to the competent body',
    unit_answer: "The unit's answer",
    to_chairman: 'Forwarding to the Chairman',
    rework: 'Rework',
    post_review: 'The press secretary’s answer on a post (internal target)',
    post_removal: 'Removal of the post (internal target)',
  },
};

export const FIELD_LABELS: Record<Lang, Words> = {
  ru: {
    title: 'Заголовок',
    body: 'Текст материала',
    kind: 'Вид',
    channels: 'Каналы',
    plannedFor: 'Планируемая дата публикации',
    announcementPublishedAt: 'Когда опубликован анонс',
    note: 'Примечание',
    comment: 'Комментарий',
    reason: 'Причина',
    languages: 'Языки',
    language: 'Язык',
    text: 'Текст',
    channel: 'Канал',
    url: 'Ссылка',
    messageId: 'Сообщение',
    slot: 'Напоминание',
    recipients: 'Получатели',
    oldLastDay: 'Последний день (прежний)',
    newLastDay: 'Последний день (новый)',
    oldDueAt: 'Срок истекал',
    newDueAt: 'Срок истекает',
    oldVersion: 'Версия календаря (прежняя)',
    newVersion: 'Версия календаря (новая)',
    template: 'Шаблон',
    deadline: 'Срок',
    key: 'Срок',
    seq: 'Номер записи в истории',
    field: 'Поле',
    value: 'Новое значение',
    applicant: 'Заявитель',
    'applicant.name': 'Имя заявителя',
    'applicant.email': 'Эл. почта заявителя',
    receivedAt: 'Когда поступило',
    registrationNumber: 'Регистрационный номер',
    unit: 'Подразделение',
    to: 'Кому передать (имя пользователя)',
    days: 'Дней продления',
    applicantReason: 'Причина для заявителя',
    citations: 'Ссылки на законодательство (по одной в строке)',
    organization: 'Организация',
    reference: 'Исходящий номер или отметка',
    author: 'Автор',
    'author.name': 'Имя автора',
    'author.contact': 'Контакт автора',
    employee: 'Сотрудник',
    'employee.name': 'Имя сотрудника',
    'employee.position': 'Должность и подразделение сотрудника',
    platform: 'Соцсеть, блог или страница',
    link: 'Ссылка на пост или комментарий',
    item: 'Что удалить',
    decision: 'Решение руководителя',
  },
  kk: {
    title: 'Тақырып',
    body: 'Материал мәтіні',
    kind: 'Түрі',
    channels: 'Арналар',
    plannedFor: 'Жоспарланған жариялау күні',
    announcementPublishedAt: 'Анонс жарияланған уақыт',
    note: 'Ескертпе',
    comment: 'Түсініктеме',
    reason: 'Себебі',
    languages: 'Тілдер',
    language: 'Тіл',
    text: 'Мәтін',
    channel: 'Арна',
    url: 'Сілтеме',
    messageId: 'Хабар',
    slot: 'Еске салу',
    recipients: 'Алушылар',
    oldLastDay: 'Соңғы күн (бұрынғы)',
    newLastDay: 'Соңғы күн (жаңа)',
    oldDueAt: 'Мерзім бұрын аяқталатын',
    newDueAt: 'Мерзім аяқталады',
    oldVersion: 'Күнтізбе нұсқасы (бұрынғы)',
    newVersion: 'Күнтізбе нұсқасы (жаңа)',
    template: 'Үлгі',
    deadline: 'Мерзім',
    key: 'Мерзім',
    seq: 'Тарихтағы жазба нөмірі',
    field: 'Өріс',
    value: 'Жаңа мән',
    applicant: 'Өтініш беруші',
    'applicant.name': 'Өтініш берушінің аты',
    'applicant.email': 'Өтініш берушінің эл. поштасы',
    receivedAt: 'Түскен уақыты',
    registrationNumber: 'Тіркеу нөмірі',
    unit: 'Бөлімше',
    to: 'Кімге беру (пайдаланушы аты)',
    days: 'Ұзарту күндері',
    applicantReason: 'Өтініш берушіге себебі',
    citations: 'Заңнамаға сілтемелер (әр жолда біреу)',
    organization: 'Ұйым',
    reference: 'Шығыс нөмірі немесе белгі',
    author: 'Автор',
    'author.name': 'Автордың аты',
    'author.contact': 'Автордың байланысы',
    employee: 'Қызметкер',
    'employee.name': 'Қызметкердің аты',
    'employee.position': 'Қызметкердің лауазымы мен бөлімшесі',
    platform: 'Әлеуметтік желі, блог немесе парақша',
    link: 'Постқа немесе пікірге сілтеме',
    item: 'Нені жою керек',
    decision: 'Басшының шешімі',
  },
  en: {
    title: 'Title',
    body: 'Text of the material',
    kind: 'Kind',
    channels: 'Channels',
    plannedFor: 'Planned publication date',
    announcementPublishedAt: 'When the announcement was published',
    note: 'Note',
    comment: 'Comment',
    reason: 'Reason',
    languages: 'Languages',
    language: 'Language',
    text: 'Text',
    channel: 'Channel',
    url: 'Link',
    messageId: 'Message',
    slot: 'Reminder',
    recipients: 'Recipients',
    oldLastDay: 'Last day (before)',
    newLastDay: 'Last day (now)',
    oldDueAt: 'Was due',
    newDueAt: 'Due',
    oldVersion: 'Calendar version (before)',
    newVersion: 'Calendar version (now)',
    template: 'Template',
    deadline: 'Deadline',
    key: 'Deadline',
    seq: 'Number of the history entry',
    field: 'Field',
    value: 'New value',
    applicant: 'Applicant',
    'applicant.name': "Applicant's name",
    'applicant.email': "Applicant's e-mail",
    receivedAt: 'Received at',
    registrationNumber: 'Registration number',
    unit: 'Unit',
    to: 'Hand to (user name)',
    days: 'Days of extension',
    applicantReason: 'Reason as told to the applicant',
    citations: 'Cited legislation (one per line)',
    organization: 'Organisation',
    reference: 'Outgoing number or note',
    author: 'Author',
    'author.name': "Author's name",
    'author.contact': "Author's contact",
    employee: 'Employee',
    'employee.name': "Employee's name",
    'employee.position': "Employee's position and unit",
    platform: 'Social network, blog or page',
    link: 'Link to the post or comment',
    item: 'What to remove',
    decision: "The manager's decision",
  },
};

/** Allowed values by field: channels, languages, kinds, templates (deadline keys use DEADLINE_LABELS). */
export const VALUE_LABELS: Record<Lang, Record<string, Words>> = {
  ru: {
    kind: { regular: 'Обычный', graphic: 'Графический', procurement: 'Закупки', question: 'Вопрос', proposal: 'Предложение', approval: 'Одобрение поста', removal: 'Требование удалить' },
    item: { post: 'Пост', comment: 'Комментарий' },
    channel: {
      site: 'Сайт', facebook: 'Facebook', instagram: 'Instagram', telegram: 'Telegram', email: 'Эл. почта', phone: 'Телефон', post: 'Почта',
      in_person: 'Лично', portal: 'Портал', blog: 'Блог', 'e-otinish': 'e-Otinish',
    },
    language: { ru: 'Русский', kk: 'Казахский', en: 'Английский' },
    template: { acknowledgement: 'Подтверждение получения', extension_notice: 'Уведомление о продлении', answer: 'Ответ', redirect_notice: 'Уведомление о перенаправлении', staff_reminder: 'Напоминание сотруднику о сроке', staff_escalation: 'Сообщение о пропуске срока', staff_digest: 'Ежедневная сводка' },
    // A message that is no e-mail (the messages' `kind`): P4's notice of a redirection, recorded as posted on the portal.
    messageKind: { mail: 'Письмо', portal_notice: 'Уведомление на портале', staff_mail: 'Письмо сотруднику' },
  },
  kk: {
    kind: { regular: 'Кәдімгі', graphic: 'Графикалық', procurement: 'Сатып алу', question: 'Сұрақ', proposal: 'Ұсыныс', approval: 'Постты мақұлдау', removal: 'Жою талабы' },
    item: { post: 'Пост', comment: 'Пікір' },
    channel: {
      site: 'Сайт', facebook: 'Facebook', instagram: 'Instagram', telegram: 'Telegram', email: 'Эл. пошта', phone: 'Телефон', post: 'Пошта',
      in_person: 'Жеке өзі', portal: 'Портал', blog: 'Блог', 'e-otinish': 'e-Otinish',
    },
    language: { ru: 'Орыс тілі', kk: 'Қазақ тілі', en: 'Ағылшын тілі' },
    template: { acknowledgement: 'Қабылдау туралы растау', extension_notice: 'Ұзарту туралы хабарлама', answer: 'Жауап', redirect_notice: 'Қайта жолдау туралы хабарлама', staff_reminder: 'Қызметкерге мерзім туралы еске салу', staff_escalation: 'Мерзімнің өтіп кеткені туралы хабар', staff_digest: 'Күнделікті жиынтық' },
    messageKind: { mail: 'Хат', portal_notice: 'Порталдағы хабарлама', staff_mail: 'Қызметкерге хат' },
  },
  en: {
    kind: { regular: 'Regular', graphic: 'Graphic', procurement: 'Procurement', question: 'Question', proposal: 'Proposal', approval: 'Approval of a post', removal: 'Removal demand' },
    item: { post: 'Post', comment: 'Comment' },
    channel: {
      site: 'Site', facebook: 'Facebook', instagram: 'Instagram', telegram: 'Telegram', email: 'E-mail', phone: 'Phone', post: 'Post',
      in_person: 'In person', portal: 'Portal', blog: 'Blog', 'e-otinish': 'e-Otinish',
    },
    language: { ru: 'Russian', kk: 'Kazakh', en: 'English' },
    template: { acknowledgement: 'Acknowledgement', extension_notice: 'Notice of the extension', answer: 'Answer', redirect_notice: 'Notice of the redirection', staff_reminder: 'Reminder to staff of a deadline', staff_escalation: 'Missed deadline escalation', staff_digest: 'Daily digest' },
    messageKind: { mail: 'E-mail', portal_notice: 'Notice on the portal', staff_mail: 'E-mail to staff' },
  },
};
/** Fields whose values share another field's words (`channels` lists channels, `languages` languages). */
const VALUE_FIELD_ALIASES: Record<string, string> = { channels: 'channel', languages: 'language' };

/** A procedure's own word for an identifier, where the shared one would mislead. */
const PROCEDURE_OVERRIDES: Partial<Record<ProcedureId, Partial<Record<'state' | 'event', Record<Lang, Words>>>>> = {
  'blog-question': {
    event: {
      ru: { post: 'Отметить размещение ответа в блоге' },
      kk: { post: 'Жауаптың блогта орналасуын белгілеу' },
      en: { post: 'Record the answer posted in the blog' },
    },
  },
};

function lookup(table: Record<Lang, Words>, lang: Lang, id: string): string | undefined {
  return Object.hasOwn(table[lang], id) ? table[lang][id] : undefined;
}
function override(procedure: string, kind: 'state' | 'event', lang: Lang, id: string): string | undefined {
  const o = (PROCEDURE_OVERRIDES as Record<string, Partial<Record<'state' | 'event', Record<Lang, Words>>>>)[procedure]?.[kind];
  return o ? lookup(o, lang, id) : undefined;
}

/** The name of a (dotted) state; a nested one is named by its deepest known part. */
export function stateLabel(lang: Lang, procedure: string, state: string): string {
  const direct = override(procedure, 'state', lang, state) ?? lookup(STATE_LABELS, lang, state);
  if (direct) return direct;
  const parts = state.split('.');
  for (let i = parts.length - 1; i >= 0; i--) {
    const w = lookup(STATE_LABELS, lang, parts[i]!);
    if (w) return w;
  }
  return state;
}

export function eventLabel(lang: Lang, procedure: string, type: string): string {
  return override(procedure, 'event', lang, type) ?? lookup(EVENT_LABELS as Record<Lang, Words>, lang, type) ?? type;
}

export function deadlineLabel(lang: Lang, key: string): string {
  return lookup(DEADLINE_LABELS as Record<Lang, Words>, lang, key) ?? key;
}

/** The name of a payload field, dotted for nested ones. */
export function fieldLabel(lang: Lang, name: string): string {
  return lookup(FIELD_LABELS, lang, name) ?? name;
}

/** The name of an allowed value of a field (a channel, a language, a deadline key). */
export function valueLabel(lang: Lang, name: string, value: string): string {
  const last = name.split('.').pop()!;
  if (last === 'deadline' || last === 'key') return deadlineLabel(lang, value);
  const field = VALUE_FIELD_ALIASES[last] ?? last;
  const words = Object.hasOwn(VALUE_LABELS[lang], field) ? VALUE_LABELS[lang][field]! : undefined;
  return words && Object.hasOwn(words, value) ? words[value]! : value;
}
