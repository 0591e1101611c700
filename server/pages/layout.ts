/**
 * The page shell every staff page shares: skip link, header (the person, the acting role,
 * the language, sign out), navigation, main content, one stylesheet, and the scripts as
 * files (the CSP allows no inline script). Everything works without JavaScript; htmx only
 * spares a full reload where a page marks it.
 */
import type { Session } from '../sessions.js';
import { assetUrl } from './assets.js';
import { attrs, html, type Html } from './html.js';
import { LANGS, t, type Lang, type MessageKey } from './i18n/index.js';
import { roleLabel } from './labels.js';

/** What every page knows about the request. */
export interface PageContext {
  lang: Lang;
  /** The IANA zone local times are shown in: the calendar's (Asia/Almaty). */
  zone: string;
  /** The path and query of this page (the language links and sign-in come back to it). */
  path: string;
  session?: Session;
}

export interface PageOptions {
  title: string;
  main: Html;
  /** A notice above the content (a success or an error in words). */
  flash?: { kind: 'ok' | 'error'; text: string };
  /** The Mermaid script (the case page's diagram). */
  diagram?: boolean;
}

const NAV: { href: string; key: MessageKey; show: (s: Session) => boolean }[] = [
  { href: '/ui/queue', key: 'nav.queue', show: (s) => s.role !== 'auditor' },
  { href: '/ui/cases', key: 'nav.cases', show: () => true },
  { href: '/ui/new', key: 'nav.new', show: (s) => s.role !== 'auditor' },
  { href: '/ui/overdue', key: 'nav.overdue', show: () => true },
  { href: '/ui/dashboard', key: 'nav.dashboard', show: () => true },
  { href: '/ui/reports', key: 'nav.reports', show: () => true },
  { href: '/ui/site-content', key: 'nav.siteContent', show: () => true },
  { href: '/ui/audit', key: 'nav.audit', show: (s) => s.role === 'auditor' },
];

/** A hidden CSRF field: every form of a signed-in page posts it. */
export function csrfField(ctx: PageContext): Html {
  return ctx.session ? html`<input type="hidden" name="_csrf" value="${ctx.session.csrf}">` : html``;
}

function langLinks(ctx: PageContext): Html {
  return html`<ul class="langs" aria-label="${t(ctx.lang, 'header.lang')}">${LANGS.map(
    (l) =>
      html`<li><a${attrs({ href: `/ui/lang?to=${l}&back=${encodeURIComponent(ctx.path)}`, lang: l, 'aria-current': l === ctx.lang ? 'true' : undefined })}>${t(ctx.lang, `lang.${l}`)}</a></li>`,
  )}</ul>`;
}

function header(ctx: PageContext): Html {
  const s = ctx.session;
  if (!s) return html`<header class="top"><a class="brand" href="/">${t(ctx.lang, 'app.title')}</a>${langLinks(ctx)}</header>`;
  const roles =
    s.user.roles.length > 1
      ? html`<form method="post" action="/ui/role" class="role">${csrfField(ctx)}<input type="hidden" name="back" value="${ctx.path}">
          <label for="acting-role">${t(ctx.lang, 'header.role')}</label>
          <select id="acting-role" name="role">${s.user.roles.map((r) => html`<option${attrs({ value: r, selected: r === s.role })}>${roleLabel(ctx.lang, r)}</option>`)}</select>
          <button type="submit">${t(ctx.lang, 'header.role.apply')}</button></form>`
      : html`<span class="role" data-role="${s.role}">${roleLabel(ctx.lang, s.role)}</span>`;
  return html`<header class="top">
    <a class="brand" href="/">${t(ctx.lang, 'app.title')}</a>
    <nav aria-label="${t(ctx.lang, 'nav.main')}"><ul>${NAV.filter((n) => n.show(s)).map(
      (n) => html`<li><a${attrs({ href: n.href, 'aria-current': ctx.path.split('?')[0] === n.href ? 'page' : undefined })}>${t(ctx.lang, n.key)}</a></li>`,
    )}</ul></nav>
    <div class="who"><span class="user" data-user="${s.user.name}">${s.user.name}</span>${roles}
      <a class="account" href="/ui/account"${attrs({ 'aria-current': ctx.path.split('?')[0] === '/ui/account' ? 'page' : undefined })}>${t(ctx.lang, 'nav.account')}</a>
      <form method="post" action="/ui/sign-out">${csrfField(ctx)}<button type="submit">${t(ctx.lang, 'header.signOut')}</button></form>
    </div>
    ${langLinks(ctx)}
  </header>`;
}

export function page(ctx: PageContext, opts: PageOptions): Html {
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} — ${t(ctx.lang, 'app.title')}</title>
<link rel="stylesheet" href="${assetUrl('app.css')}">
<script src="${assetUrl('htmx.min.js')}" defer></script>
${opts.diagram ? html`<script src="${assetUrl('mermaid.tiny.js')}" defer></script>` : ''}
<script src="${assetUrl('app.js')}" defer></script>
</head>
<body>
<a class="skip" href="#main">${t(ctx.lang, 'app.skip')}</a>
${header(ctx)}
<main id="main" tabindex="-1">
${opts.flash ? html`<p class="flash flash-${opts.flash.kind}" role="${opts.flash.kind === 'error' ? 'alert' : 'status'}">${opts.flash.text}</p>` : ''}
${opts.main}
</main>
</body>
</html>`;
}
