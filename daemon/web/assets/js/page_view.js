// One document, read in the browser: metadata with the reason the person may see it, every page rendered by
// pdf.js from bytes held in memory, and a download button. A document the person may not see and one that
// does not exist look the same (the server answers 404 for both).
import { api, fetchBytes } from './api.js';
import { $, say, sayError, show, progress, requireUser, param, typeWord, formatDate, basisWords, saveBytes, homeFor } from './ui.js';
import { renderPdf } from './pdfview.js';

const message = $('#message');

async function start() {
  const me = await requireUser();
  $('#back').href = homeFor(me);
  const id = param('doc');
  let doc;
  try {
    doc = await api('GET', `/documents/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err.status === 404) {
      $('#title').textContent = 'Document not available';
      say(message, 'This document is not available to you, or it does not exist.', 'bad');
      return;
    }
    throw err;
  }
  const title = doc.title || doc.filename || typeWord(doc.type);
  $('#title').textContent = title;
  document.title = `${title} · Kinvault`;
  $('#basis').textContent = 'Why you can see it: ' + basisWords(doc.access_rule, doc.access_basis);
  $('#meta').textContent = `${typeWord(doc.type)} · version ${doc.version} · ${formatDate(doc.uploaded_at)} · ${doc.pages || '?'} page(s)`;
  show($('#about'), true);
  const bar = progress($('#about'), 'Opening the document');
  let got;
  try {
    got = await fetchBytes(`/documents/${encodeURIComponent(id)}/content`, (f) => bar.update(f));
  } finally {
    bar.done();
  }
  if (got.obligations) {
    $('#obligations').textContent = got.obligations;
    show($('#obligations'), true);
  }
  $('#download').addEventListener('click', () => saveBytes(got.bytes, got.filename || doc.filename));
  await renderPdf($('#pages'), got.bytes, { label: title });
}

start().catch((err) => sayError(message, err));
