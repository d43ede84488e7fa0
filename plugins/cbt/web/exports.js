// exports.js -- the links under a submitted worksheet: its FHIR QuestionnaireResponse to download, and
// the printable page (GET /api/cbt/worksheet.json and .html, PROTOCOL.md "Exports"). Plain links: the
// host checks the sign-in cookie, the plugin who may have it, and the host audits each download.
import { el } from '/ui.js'; // the client's own helper (same origin)

function loadStyles() {
  if (document.getElementById('cbt-trends-styles')) return;
  document.head.append(el('link', { rel: 'stylesheet', href: '/plugins/cbt/trends.css', id: 'cbt-trends-styles' }));
}

/** The two links for worksheet id (a <div>); title names it for screen readers. */
export function exportLinks(id, title) {
  loadStyles();
  const q = `worksheet=${encodeURIComponent(id)}`;
  const more = title ? el('span', { class: 'visually-hidden' }, ` ${title}`) : null;
  return el('div', { class: 'cbt-export-links', 'data-testid': 'cbt-export-links' },
    el('a', { href: `/api/cbt/worksheet.json?${q}`, download: '', 'data-testid': 'cbt-download' }, 'Download (FHIR JSON)', more),
    el('a', { href: `/api/cbt/worksheet.html?${q}`, target: '_blank', rel: 'noopener', 'data-testid': 'cbt-print' },
      'Print', more ? more.cloneNode(true) : null, el('span', { class: 'visually-hidden' }, ' (opens in a new tab)')));
}
