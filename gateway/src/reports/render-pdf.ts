// The report as a PDF (A4), drawn from the shared layout (layout.ts) with pdfkit, with the
// Chinese font embedded (fonts.ts: only the files and glyphs the text uses) and the QR code of
// the verification URL. Text is real text (extractable, searchable), not an image.
import type { ReportContent } from './content.ts';
import { fontBytes, fontRuns } from './fonts.ts';
import { issueLines, REPORT_SUBTITLE, REPORT_TITLE, reportSections, type ReportMeta } from './layout.ts';

const MARGIN = 50;
const QR_SIZE = 96;

/** Longest stretch without a space handed to pdfkit in one piece (see wrappablePieces). */
export const MAX_UNBROKEN_PIECE = 32;

/**
 * `text` cut into pieces drawn one after the other (pdfkit's `continued`), so that no piece
 * holds more than MAX_UNBROKEN_PIECE characters without a space: pdfkit wraps a word wider than
 * the line by measuring the rest of the word again after every line, quadratic in its length
 * (a 2,000-character code or URL took seconds, 20,000 characters minutes of the event loop). A
 * piece that does not fit starts a new line, as a word does. Text with spaces, and CJK text
 * (pdfkit breaks between any two ideographs), wraps as before. Linear in the text's length.
 */
export function wrappablePieces(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (const match of text.matchAll(new RegExp(`\\S{${MAX_UNBROKEN_PIECE + 1},}`, 'gu'))) {
    const stretch = [...match[0]];
    for (let at = 0; at < stretch.length; at += MAX_UNBROKEN_PIECE) {
      const piece = stretch.slice(at, at + MAX_UNBROKEN_PIECE).join('');
      if (at === 0) pieces.push(text.slice(start, match.index) + piece);
      else pieces.push(piece);
    }
    start = match.index + match[0].length;
  }
  if (start < text.length || pieces.length === 0) pieces.push(text.slice(start));
  return pieces;
}

/** The PDF bytes of a report. Rejects only on a pdfkit failure (a bug, not input). */
export async function renderReportPdf(content: ReportContent, meta: ReportMeta): Promise<Buffer> {
  // Loaded at the first report, not at start-up: every CLI command imports the gateway.
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: `${REPORT_TITLE} ${meta.number}`, Subject: content.registration.uscc, Producer: 'Credit Graph', Creator: 'Credit Graph' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const registered = new Set<string>();

  /** Writes `text` as one paragraph, switching font file where the text needs another. */
  const write = (text: string, size: number, color = '#111111', options: PDFKit.Mixins.TextOptions = {}) => {
    const pieces = fontRuns(text).flatMap((run) => wrappablePieces(run.text).map((piece) => ({ chunk: run.chunk, text: piece })));
    doc.fontSize(size).fillColor(color);
    pieces.forEach((piece, i) => {
      if (!registered.has(piece.chunk.name)) {
        doc.registerFont(piece.chunk.name, fontBytes(piece.chunk));
        registered.add(piece.chunk.name);
      }
      doc.font(piece.chunk.name).text(piece.text, { ...options, continued: i < pieces.length - 1 });
    });
  };

  const width = doc.page.width - 2 * MARGIN;
  doc.image(meta.qrPng, doc.page.width - MARGIN - QR_SIZE, MARGIN, { width: QR_SIZE, height: QR_SIZE });
  write(REPORT_TITLE, 22, '#111111', { width: width - QR_SIZE - 10 });
  write(REPORT_SUBTITLE, 10, '#444444', { width: width - QR_SIZE - 10 });
  doc.moveDown(0.5);
  for (const [label, value] of issueLines(meta)) write(`${label}：${value}`, 9, '#111111', { width: width - QR_SIZE - 10 });
  doc.y = Math.max(doc.y, MARGIN + QR_SIZE + 10);

  for (const section of reportSections(content)) {
    doc.moveDown(0.8);
    write(section.heading, 13, '#0b3d91', { width });
    doc.moveDown(0.2);
    if (section.entries.length === 0) write(section.empty, 10, '#111111', { width });
    for (const entry of section.entries) {
      for (const [label, value] of entry) write(`${label}：${value}`, 9.5, '#111111', { width });
      doc.moveDown(0.4);
    }
  }
  doc.moveDown(1);
  write('本报告仅反映出具时点的公共信用信息，可凭报告编号和验证码核验真伪。This report shows the public credit information held at the time of issue.', 8, '#555555', { width });
  doc.end();
  return done;
}
