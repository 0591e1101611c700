/**
 * The staff pages' words in Russian: the source of every key. kk.ts and en.ts are typed
 * `Messages`, so a key missing in one of them is a compile error. `{name}` is replaced by
 * the parameter of that name (escaped by the template that shows it).
 */
export const ru = {
  'app.title': 'Процедуры QazIndustry',
  'app.skip': 'Перейти к содержимому',
  'nav.queue': 'Моя очередь',
  'nav.cases': 'Все дела',
  'nav.new': 'Новое дело',
  'nav.overdue': 'Просроченные',
  'nav.dashboard': 'Сводка',
  'nav.audit': 'Аудит',
  'nav.main': 'Разделы',
  'header.user': 'Пользователь',
  'header.role': 'Роль',
  'header.role.apply': 'Сменить роль',
  'header.lang': 'Язык',
  'header.signOut': 'Выйти',
  'signIn.title': 'Вход',
  'signIn.name': 'Имя пользователя',
  'signIn.token': 'Ключ доступа',
  'signIn.tokenHint': 'Ключ из файла пользователей (AUTH_FILE), выданный администратором.',
  'signIn.submit': 'Войти',
  'signIn.failed': 'Неверное имя пользователя или ключ.',
  'signIn.limited': 'Слишком много неудачных попыток. Повторите через {seconds} с.',
  'signedOut': 'Вы вышли.',
  'error.title': 'Ошибка',
  'error.csrf': 'Форма устарела или отправлена не с этой страницы. Обновите страницу и повторите.',
  'error.notFound': 'Страница не найдена.',
  'error.back': 'Назад',
  'queue.title': 'Моя очередь',
  'queue.empty': 'Нет дел, ожидающих вас.',
  'remaining.today': 'сегодня последний день',
  'remaining.overdue': 'просрочено на {n}',
  'remaining.left': 'осталось {n}',
  'days.working.one': '{n} раб. день',
  'days.working.few': '{n} раб. дня',
  'days.working.many': '{n} раб. дней',
  'days.calendar.one': '{n} день',
  'days.calendar.few': '{n} дня',
  'days.calendar.many': '{n} дней',
  'lang.ru': 'Русский',
  'lang.kk': 'Қазақша',
  'lang.en': 'English',
} as const;

export type MessageKey = keyof typeof ru;
export type Messages = Record<MessageKey, string>;
