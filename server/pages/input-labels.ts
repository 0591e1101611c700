/**
 * Words for the fields of the procedures' creation inputs (`inputSchema` of
 * `GET /machines/{procedure}`) and of the public feedback form, with their allowed values
 * (channels, kinds, languages), in every language. Kept apart from labels.ts (the states',
 * events' and deadlines' names) so the two can grow independently; to be merged into it.
 * A field or value without a word here is shown by its name (never an empty label).
 */
import type { ProcedureId } from '../../machines/contract.js';
import type { Lang } from './i18n/index.js';

type Words = Record<string, string>;

/** Field labels by procedure and dotted field name; `*` is shared by every procedure. */
const FIELDS: Record<Lang, Record<ProcedureId | '*', Words>> = {
  ru: {
    '*': {
      occurredAt: 'Время поступления',
      backdatingReason: 'Причина регистрации задним числом',
      language: 'Язык',
      text: 'Текст',
    },
    publication: {
      title: 'Заголовок материала',
      body: 'Текст материала',
      kind: 'Вид материала',
      channels: 'Каналы размещения',
      plannedFor: 'Планируемая дата публикации',
      announcementPublishedAt: 'Время публикации объявления на официальном сайте',
    },
    'blog-question': {
      channel: 'Откуда поступил вопрос',
      author: 'Автор вопроса',
      'author.name': 'Имя автора',
      'author.contact': 'Контакт автора',
      language: 'Язык вопроса',
      text: 'Текст вопроса',
    },
    appearance: {
      outlet: 'СМИ или организатор мероприятия',
      format: 'Формат',
      topic: 'Тема',
      broadcast: 'Прямой эфир или запись',
      questions: 'Вопросы (по одному в строке)',
      place: 'Место выступления или записи',
      scheduledAt: 'Дата и время выступления',
    },
    'employee-post': {
      kind: 'Что оформляется',
      employee: 'Сотрудник',
      'employee.name': 'Имя сотрудника',
      'employee.position': 'Должность и подразделение сотрудника',
      platform: 'Соцсеть, блог или страница',
      text: 'Текст поста (для одобрения)',
      link: 'Ссылка на пост или комментарий (для требования удалить)',
      item: 'Что удалить',
      reason: 'Чем может навредить Обществу (для требования удалить)',
    },
    'feedback-inquiry': {
      applicant: 'Заявитель',
      'applicant.name': 'Имя заявителя',
      'applicant.email': 'E-mail заявителя',
      language: 'Язык обращения',
      kind: 'Вид обращения',
      text: 'Текст обращения',
    },
    'site-content-review': {
      kind: 'Вид информации (п. 9)',
      unit: 'Ответственное подразделение',
      period: 'Период проверки',
      url: 'Страница сайта',
    },
  },
  kk: {
    '*': {
      occurredAt: 'Түскен уақыты',
      backdatingReason: 'Кейінгі күнмен тіркеу себебі',
      language: 'Тіл',
      text: 'Мәтін',
    },
    publication: {
      title: 'Материалдың тақырыбы',
      body: 'Материалдың мәтіні',
      kind: 'Материалдың түрі',
      channels: 'Орналастыру арналары',
      plannedFor: 'Жоспарланған жариялау күні',
      announcementPublishedAt: 'Хабарландырудың ресми сайтта жарияланған уақыты',
    },
    'blog-question': {
      channel: 'Сұрақ қайдан түсті',
      author: 'Сұрақтың авторы',
      'author.name': 'Автордың аты',
      'author.contact': 'Автордың байланысы',
      language: 'Сұрақтың тілі',
      text: 'Сұрақтың мәтіні',
    },
    appearance: {
      outlet: 'БАҚ немесе іс-шараны ұйымдастырушы',
      format: 'Формат',
      topic: 'Тақырып',
      broadcast: 'Тікелей эфир немесе жазба',
      questions: 'Сұрақтар (әр жолға біреуден)',
      place: 'Сөз сөйлеу немесе жазба орны',
      scheduledAt: 'Сөз сөйлеу күні мен уақыты',
    },
    'employee-post': {
      kind: 'Не ресімделеді',
      employee: 'Қызметкер',
      'employee.name': 'Қызметкердің аты',
      'employee.position': 'Қызметкердің лауазымы мен бөлімшесі',
      platform: 'Әлеуметтік желі, блог немесе парақша',
      text: 'Пост мәтіні (мақұлдау үшін)',
      link: 'Постқа немесе пікірге сілтеме (жою талабы үшін)',
      item: 'Нені жою керек',
      reason: 'Қоғамға қандай зиян келтіруі мүмкін (жою талабы үшін)',
    },
    'feedback-inquiry': {
      applicant: 'Өтініш беруші',
      'applicant.name': 'Өтініш берушінің аты',
      'applicant.email': 'Өтініш берушінің e-mail-і',
      language: 'Өтініштің тілі',
      kind: 'Өтініштің түрі',
      text: 'Өтініштің мәтіні',
    },
    'site-content-review': {
      kind: 'Ақпарат түрі (9-т.)',
      unit: 'Жауапты бөлімше',
      period: 'Тексеру кезеңі',
      url: 'Сайт беті',
    },
  },
  en: {
    '*': {
      occurredAt: 'Received at',
      backdatingReason: 'Why it is recorded late',
      language: 'Language',
      text: 'Text',
    },
    publication: {
      title: 'Title of the material',
      body: 'Text of the material',
      kind: 'Kind of material',
      channels: 'Channels',
      plannedFor: 'Planned publication date',
      announcementPublishedAt: 'When the announcement was published on the official site',
    },
    'blog-question': {
      channel: 'Received through',
      author: 'Author of the question',
      'author.name': "Author's name",
      'author.contact': "Author's contact",
      language: 'Language of the question',
      text: 'The question',
    },
    appearance: {
      outlet: 'Media outlet or organiser of the event',
      format: 'Format',
      topic: 'Topic',
      broadcast: 'Live or recorded',
      questions: 'Questions (one per line)',
      place: 'Place of the appearance or recording',
      scheduledAt: 'Date and time of the appearance',
    },
    'employee-post': {
      kind: 'What is recorded',
      employee: 'Employee',
      'employee.name': "Employee's name",
      'employee.position': "Employee's position and unit",
      platform: 'Social network, blog or page',
      text: 'The post (for approval)',
      link: 'Link to the post or comment (for a removal demand)',
      item: 'What to remove',
      reason: 'How it may harm the Company (for a removal demand)',
    },
    'feedback-inquiry': {
      applicant: 'Applicant',
      'applicant.name': "Applicant's name",
      'applicant.email': "Applicant's e-mail",
      language: 'Language of the inquiry',
      kind: 'Kind of inquiry',
      text: 'Text of the inquiry',
    },
    'site-content-review': {
      kind: 'Kind of information (п. 9)',
      unit: 'Responsible unit',
      period: 'Review period',
      url: 'Page of the site',
    },
  },
};

/** Hints under fields (what the Rules ask for), by procedure and field. */
const HINTS: Record<Lang, Record<ProcedureId | '*', Words>> = {
  ru: {
    '*': {
      occurredAt: 'Если не сейчас: когда материал или вопрос фактически поступил (время Алматы).',
      backdatingReason: 'Нужна, если время поступления раньше текущего более чем на 15 минут.',
    },
    publication: {
      plannedFor: 'Для обычного и графического материала (п. 11).',
      announcementPublishedAt: 'Только для объявления о закупках (п. 11).',
    },
    'blog-question': {},
    appearance: {
      scheduledAt: 'Спикера информируют о формате заранее (п. 31).',
    },
    'feedback-inquiry': {},
    'site-content-review': {},
    'employee-post': {
      kind: 'Одобрение поста до публикации (п. 21) — создаёт сотрудник; требование удалить пост (п. 28) — пресс-секретарь.',
      link: 'Только для требования удалить (п. 28).',
      reason: 'Только для требования удалить (п. 28).',
      text: 'Только для одобрения поста (п. 21).',
    },
  },
  kk: {
    '*': {
      occurredAt: 'Қазір болмаса: материал не сұрақ іс жүзінде қашан түсті (Алматы уақыты).',
      backdatingReason: 'Түскен уақыты қазіргіден 15 минуттан астам бұрын болса, қажет.',
    },
    publication: {
      plannedFor: 'Қарапайым және графикалық материал үшін (11-т.).',
      announcementPublishedAt: 'Тек сатып алу туралы хабарландыру үшін (11-т.).',
    },
    'blog-question': {},
    appearance: {
      scheduledAt: 'Спикерге формат туралы алдын ала хабарланады (31-т.).',
    },
    'feedback-inquiry': {},
    'site-content-review': {},
    'employee-post': {
      kind: 'Постты жарияланғанға дейін мақұлдау (21-т.) — қызметкер жасайды; постты жою талабы (28-т.) — баспасөз хатшысы.',
      link: 'Тек жою талабы үшін (28-т.).',
      reason: 'Тек жою талабы үшін (28-т.).',
      text: 'Тек постты мақұлдау үшін (21-т.).',
    },
  },
  en: {
    '*': {
      occurredAt: 'If not now: when the material or question actually arrived (Almaty time).',
      backdatingReason: 'Needed when the time of receipt is more than 15 minutes ago.',
    },
    publication: {
      plannedFor: 'For a regular or graphic material (п. 11).',
      announcementPublishedAt: 'For a procurement announcement only (п. 11).',
    },
    'blog-question': {},
    appearance: {
      scheduledAt: 'The speaker is informed of the format in good time (п. 31).',
    },
    'feedback-inquiry': {},
    'site-content-review': {},
    'employee-post': {
      kind: 'Approval of a post before publication (п. 21): created by the employee; a demand to remove a post (п. 28): by the press secretary.',
      link: 'For a removal demand only (п. 28).',
      reason: 'For a removal demand only (п. 28).',
      text: 'For the approval of a post only (п. 21).',
    },
  },
};

/** Allowed values by field name (the same words wherever the field appears). */
const VALUES: Record<Lang, Record<string, Words>> = {
  ru: {
    kind: { regular: 'Обычный материал', graphic: 'Графический материал', procurement: 'Объявление о закупках', question: 'Вопрос', proposal: 'Предложение', approval: 'Одобрение поста (п. 21)', removal: 'Требование удалить пост (п. 28)' },
    item: { post: 'Пост', comment: 'Комментарий' },
    channels: { site: 'Сайт', facebook: 'Facebook', instagram: 'Instagram', telegram: 'Telegram' },
    channel: { blog: 'Блог Председателя', 'e-otinish': 'e-Otinish' },
    format: { tv: 'Телеканал', radio: 'Радио', print_interview: 'Интервью в печатном издании', web_interview: 'Интервью на веб-ресурсе', webinar: 'Вебинар', online_conference: 'Онлайн-конференция', press_conference: 'Пресс-конференция', round_table: 'Круглый стол', briefing: 'Брифинг' },
    broadcast: { live: 'Прямой эфир', recorded: 'Запись' },
    language: { ru: 'Русский', kk: 'Казахский', en: 'Английский' },
  },
  kk: {
    kind: { regular: 'Қарапайым материал', graphic: 'Графикалық материал', procurement: 'Сатып алу туралы хабарландыру', question: 'Сұрақ', proposal: 'Ұсыныс', approval: 'Постты мақұлдау (21-т.)', removal: 'Постты жою талабы (28-т.)' },
    item: { post: 'Пост', comment: 'Пікір' },
    channels: { site: 'Сайт', facebook: 'Facebook', instagram: 'Instagram', telegram: 'Telegram' },
    channel: { blog: 'Төраға блогы', 'e-otinish': 'e-Otinish' },
    format: { tv: 'Телеарна', radio: 'Радио', print_interview: 'Баспа басылымындағы сұхбат', web_interview: 'Веб-ресурстағы сұхбат', webinar: 'Вебинар', online_conference: 'Онлайн-конференция', press_conference: 'Баспасөз конференциясы', round_table: 'Дөңгелек үстел', briefing: 'Брифинг' },
    broadcast: { live: 'Тікелей эфир', recorded: 'Жазба' },
    language: { ru: 'Орыс тілі', kk: 'Қазақ тілі', en: 'Ағылшын тілі' },
  },
  en: {
    kind: { regular: 'Regular material', graphic: 'Graphic material', procurement: 'Procurement announcement', question: 'Question', proposal: 'Proposal', approval: 'Approval of a post (п. 21)', removal: 'Demand to remove a post (п. 28)' },
    item: { post: 'Post', comment: 'Comment' },
    channels: { site: 'Site', facebook: 'Facebook', instagram: 'Instagram', telegram: 'Telegram' },
    channel: { blog: "Chairman's blog", 'e-otinish': 'e-Otinish' },
    format: { tv: 'TV', radio: 'Radio', print_interview: 'Print interview', web_interview: 'Web interview', webinar: 'Webinar', online_conference: 'Online conference', press_conference: 'Press conference', round_table: 'Round table', briefing: 'Briefing' },
    broadcast: { live: 'Live', recorded: 'Recorded' },
    language: { ru: 'Russian', kk: 'Kazakh', en: 'English' },
  },
};

function lookup(table: Record<string, Words>, procedure: string, name: string): string | undefined {
  return table[procedure]?.[name] ?? table['*']?.[name];
}

/** The label of a creation input's field (dotted name), or the name itself. */
export function inputFieldLabel(lang: Lang, procedure: string, name: string): string {
  return lookup(FIELDS[lang], procedure, name) ?? name;
}

/** A hint for a creation input's field, if there is one. */
export function inputFieldHint(lang: Lang, procedure: string, name: string): string | undefined {
  return lookup(HINTS[lang], procedure, name);
}

/** The label of an allowed value of a field (the last part of a dotted name), or the value itself. */
export function inputValueLabel(lang: Lang, name: string, value: string): string {
  return VALUES[lang][name.split('.').pop()!]?.[value] ?? value;
}
