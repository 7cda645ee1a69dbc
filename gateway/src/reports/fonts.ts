// The Chinese font embedded in report PDFs: Noto Sans SC (SIL Open Font License 1.1), from the
// npm package @fontsource/noto-sans-sc. The package splits the font by Unicode ranges into
// ~100 small files (its CSS names each file's `unicode-range`); a report embeds only the files
// its text needs, and pdfkit embeds only the glyphs used from each (a subset), so a report PDF
// stays small. Loaded once, at first use: the CSS is parsed, the files are read when needed.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface FontChunk {
  /** The name pdfkit registers the file under. */
  name: string;
  /** Absolute path of the WOFF file. */
  file: string;
}

interface Range {
  from: number;
  to: number;
  chunk: FontChunk;
}

const PACKAGE_CSS = '@fontsource/noto-sans-sc/400.css';
const FACE = /@font-face\s*{([^}]*)}/g;

/** Parses fontsource's CSS: each face's WOFF file and its unicode ranges (U+4e00-9fff, U+20, U+3??). */
export function parseFontFaces(css: string, directory: string): Range[] {
  const ranges: Range[] = [];
  for (const [, body] of css.matchAll(FACE)) {
    const file = /url\(\.?\/?([^)]+?\.woff)\)/.exec(body!)?.[1];
    const unicodeRange = /unicode-range:\s*([^;]+);?/.exec(body!)?.[1];
    if (!file || !unicodeRange) continue;
    const chunk = { name: `noto-sc-${ranges.length}`, file: join(directory, file) };
    for (const item of unicodeRange.split(',').map((s) => s.trim().replace(/^U\+/i, ''))) {
      const [start, end] = item.includes('?') ? [item.replaceAll('?', '0'), item.replaceAll('?', 'f')] : item.split('-');
      const from = Number.parseInt(start!, 16);
      const to = end === undefined ? from : Number.parseInt(end, 16);
      if (Number.isInteger(from) && Number.isInteger(to)) ranges.push({ from, to, chunk });
    }
  }
  return ranges.sort((a, b) => a.from - b.from);
}

let loaded: Range[] | undefined;

function fontRanges(): Range[] {
  if (!loaded) {
    const cssPath = createRequire(import.meta.url).resolve(PACKAGE_CSS);
    loaded = parseFontFaces(readFileSync(cssPath, 'utf8'), dirname(cssPath));
    if (loaded.length === 0) throw new Error(`${PACKAGE_CSS} names no font file with a unicode-range`);
  }
  return loaded;
}

/** The font file that draws `codePoint`, or undefined when the font has none (binary search; the files' ranges are disjoint). */
export function chunkFor(codePoint: number, ranges: Range[] = fontRanges()): FontChunk | undefined {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const range = ranges[middle]!;
    if (codePoint < range.from) high = middle - 1;
    else if (codePoint > range.to) low = middle + 1;
    else return range.chunk;
  }
  return undefined;
}

/**
 * Splits `text` into runs each drawn by one font file (linear in the text's length). A
 * character no file covers is drawn as "?" with the file of the previous run.
 */
export function fontRuns(text: string): { chunk: FontChunk; text: string }[] {
  const runs: { chunk: FontChunk; text: string }[] = [];
  let fallback = chunkFor('?'.codePointAt(0)!)!;
  for (const char of text) {
    const chunk = chunkFor(char.codePointAt(0)!);
    const drawn = chunk ? char : '?';
    const use = chunk ?? runs.at(-1)?.chunk ?? fallback;
    const last = runs.at(-1);
    if (last && last.chunk === use) last.text += drawn;
    else runs.push({ chunk: use, text: drawn });
    fallback = use;
  }
  return runs;
}

/**
 * A WOFF 1.0 font (W3C WOFF File Format 1.0, section 4-5) unpacked to the plain sfnt (TrueType)
 * it wraps, with Node's native zlib: fontkit would otherwise inflate every table in JavaScript
 * for every document (seconds per report). Throws on a file that is not WOFF 1.0.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.readUInt32BE(0) !== 0x774f4646) throw new Error('not a WOFF 1.0 font');
  const flavor = woff.readUInt32BE(4);
  const numTables = woff.readUInt16BE(12);
  const tables = [];
  for (let i = 0; i < numTables; i++) {
    const entry = 44 + i * 20;
    const [tag, offset, compLength, origLength, checksum] = [0, 4, 8, 12, 16].map((at) => woff.readUInt32BE(entry + at)) as [number, number, number, number, number];
    const stored = woff.subarray(offset, offset + compLength);
    tables.push({ tag, checksum, data: compLength < origLength ? inflateSync(stored) : stored });
  }
  let searchRange = 1;
  let entrySelector = 0;
  while (searchRange * 2 <= numTables) {
    searchRange *= 2;
    entrySelector++;
  }
  const header = Buffer.alloc(12 + 16 * numTables);
  header.writeUInt32BE(flavor, 0);
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange * 16, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange * 16, 10);
  const parts: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((table, i) => {
    header.writeUInt32BE(table.tag, 12 + i * 16);
    header.writeUInt32BE(table.checksum, 16 + i * 16);
    header.writeUInt32BE(offset, 20 + i * 16);
    header.writeUInt32BE(table.data.length, 24 + i * 16);
    const padded = Buffer.alloc((table.data.length + 3) & ~3);
    table.data.copy(padded);
    parts.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(parts);
}

/** A font file as plain TrueType (cached: a file is read and unpacked once per process). */
const fileCache = new Map<string, Buffer>();
export function fontBytes(chunk: FontChunk): Buffer {
  let bytes = fileCache.get(chunk.file);
  if (!bytes) fileCache.set(chunk.file, (bytes = woffToSfnt(readFileSync(chunk.file))));
  return bytes;
}
