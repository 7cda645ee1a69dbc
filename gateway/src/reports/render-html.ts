// The report as one self-contained HTML page (no external resources: the QR code is inline),
// drawn from the shared layout (layout.ts). Every value is escaped.
import type { ReportContent } from './content.ts';
import { issueLines, REPORT_SUBTITLE, REPORT_TITLE, reportSections, type ReportMeta } from './layout.ts';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `value` safe as HTML text or attribute content. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

function table(lines: [string, string][]): string {
  return `<table>${lines.map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

/** The HTML page of a report (UTF-8). */
export function renderReportHtml(content: ReportContent, meta: ReportMeta): string {
  const sections = reportSections(content)
    .map((s) => `<section><h2>${escapeHtml(s.heading)}</h2>${s.entries.length ? s.entries.map(table).join('') : `<p>${escapeHtml(s.empty)}</p>`}</section>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(REPORT_TITLE)} ${escapeHtml(meta.number)}</title>
<style>body{font-family:"Noto Sans SC",sans-serif;max-width:60em;margin:2em auto;color:#111}table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}th{width:18em;background:#f3f3f3;font-weight:normal}header{display:flex;justify-content:space-between;gap:1em}</style>
</head><body>
<header><div><h1>${escapeHtml(REPORT_TITLE)}</h1><p>${escapeHtml(REPORT_SUBTITLE)}</p>${table(issueLines(meta))}</div>
<img alt="QR code: verify this report" width="160" height="160" src="data:image/png;base64,${meta.qrPng.toString('base64')}"></header>
${sections}
<footer><p>本报告仅反映出具时点的公共信用信息。可凭报告编号和验证码在核验地址验证真伪。This report shows the public credit information held at the time of issue; verify it with its number and code at the address above.</p></footer>
</body></html>
`;
}
