/** Reading back what a PDF made by Outpost says, for tests that check a report's text. */
import zlib from 'node:zlib';

/** The text a PDF draws: pdf-lib writes each line as a hex string shown with Tj, in (deflated) content streams. */
export function pdfText(base64: string): string {
  const raw = Buffer.from(base64, 'base64');
  const latin = raw.toString('latin1');
  const out: string[] = [];
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(latin))) {
    const start = m.index + m[0].length;
    const end = latin.indexOf('endstream', start);
    if (end < 0) break;
    const body = raw.subarray(start, end);
    let text: string;
    try {
      text = zlib.inflateSync(body).toString('latin1');
    } catch {
      text = body.toString('latin1');
    }
    for (const h of text.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) out.push(Buffer.from(h[1]!, 'hex').toString('latin1'));
    re.lastIndex = end + 'endstream'.length;
  }
  return out.join('\n');
}
