// Shows a PDF held in memory with pdf.js (served by kinvaultd from node_modules; no CDN), every page as a
// canvas with its text available underneath for screen readers. Documents never touch the HTTP cache: the
// bytes come from a no-store fetch and go to pdf.js directly.
import * as pdfjs from '/node_modules/pdfjs-dist/build/pdf.min.mjs';
import { el, clear } from './ui.js';

pdfjs.GlobalWorkerOptions.workerSrc = '/node_modules/pdfjs-dist/build/pdf.worker.min.mjs';

// Renders all pages into `container`; resolves to the page count. onPage(n, total) reports progress.
export async function renderPdf(container, bytes, { onPage, label = 'Document' } = {}) {
  clear(container);
  // pdf.js takes ownership of the buffer it is given; hand it a copy so the caller keeps the original
  // (for hashing and the download button).
  const task = pdfjs.getDocument({
    data: bytes.slice(),
    isEvalSupported: false, // CSP forbids eval; pdf.js then interprets fonts instead of compiling them
    enableXfa: false,
    standardFontDataUrl: '/node_modules/pdfjs-dist/standard_fonts/',
    cMapUrl: '/node_modules/pdfjs-dist/cmaps/',
    cMapPacked: true,
  });
  const doc = await task.promise;
  const total = doc.numPages;
  const width = Math.max(280, Math.min(container.clientWidth || 800, 900));
  const ratio = window.devicePixelRatio || 1;
  for (let n = 1; n <= total; n++) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const scale = width / base.width;
    const viewport = page.getViewport({ scale: scale * ratio });
    const canvas = el('canvas', { role: 'img', 'aria-label': `${label}, page ${n} of ${total}` });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    const text = await page.getTextContent();
    const words = text.items.map((i) => i.str + (i.hasEOL ? '\n' : ' ')).join('').trim();
    const figure = el('figure', { class: 'pdf-page', 'data-page': n },
      canvas,
      el('figcaption', { text: `Page ${n} of ${total}` }),
      el('details', {}, el('summary', { text: `Text of page ${n}` }), el('p', { class: 'page-text', text: words || '(no text on this page)' })));
    container.append(figure);
    await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
    page.cleanup();
    if (onPage) onPage(n, total);
  }
  await doc.destroy();
  return total;
}
