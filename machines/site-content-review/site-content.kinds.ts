/**
 * The seven kinds of information the Company's site must carry (Правила, п. 9, sub-items
 * 1–7): static data, the Rules' own wording (ru) with an English gloss. The register of
 * the site's mandatory content (engine/site-content.ts), the periodic review
 * (`site-content-review`) and the staff page list exactly these, in this order.
 *
 * A key is stored (the register's revisions, the review cases' input): never rename one;
 * a change of the Rules adds a key.
 */
export const SITE_CONTENT_KINDS = [
  {
    key: 'general',
    item: 'п. 9, пп. 1',
    ru: 'общая информация об Обществе, включая информацию о миссии, основных задачах, целях и видах деятельности',
    en: 'general information about the Company, including its mission, main tasks, goals and kinds of activity',
  },
  {
    key: 'strategy',
    item: 'п. 9, пп. 2',
    ru: 'о стратегии развития (стратегические цели), приоритетные направления деятельности',
    en: 'the development strategy (strategic goals) and the priority lines of activity',
  },
  {
    key: 'governance',
    item: 'п. 9, пп. 3',
    ru: 'документы Общества, регламентирующие деятельность Общества, включая об управлении рисками; о дивидендной политике; о членах совета директоров, о членах правления',
    en: 'the Company’s documents governing its activity, including risk management, the dividend policy, the members of the board of directors and of the management board',
  },
  {
    key: 'procurement',
    item: 'п. 9, пп. 4',
    ru: 'о закупочной деятельности, включая правила, объявления и результаты закупок',
    en: 'procurement: the rules, the announcements and the results of purchases',
  },
  {
    key: 'state_support',
    item: 'п. 9, пп. 5',
    ru: 'о мерах государственного стимулирования, оказываемые Обществом предприятиям',
    en: 'the measures of state support the Company provides to enterprises',
  },
  {
    key: 'news',
    item: 'п. 9, пп. 6',
    ru: 'новости и пресс-релизы',
    en: 'news and press releases',
  },
  {
    key: 'contacts',
    item: 'п. 9, пп. 7',
    ru: 'контактные данные Общества, форму обратной связи и другое',
    en: 'the Company’s contact details, the feedback form and the like',
  },
] as const;

export type SiteContentKind = (typeof SITE_CONTENT_KINDS)[number]['key'];
export const SITE_CONTENT_KIND_KEYS: readonly SiteContentKind[] = SITE_CONTENT_KINDS.map((k) => k.key);

export function isSiteContentKind(value: string): value is SiteContentKind {
  return (SITE_CONTENT_KIND_KEYS as readonly string[]).includes(value);
}
