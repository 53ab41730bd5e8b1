// Accept negotiation (RFC 9110, section 12.5.1): each offer takes the q of the most specific media
// range that matches it (type/subtype over type/* over */*), q=0 rules it out, the highest q wins
// and ties go to the server's order of offers.

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [media = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const match = /^([a-z0-9!#$%&'*+.^_`|~-]+)\/([a-z0-9!#$%&'*+.^_`|~-]+)$/.exec(media);
    if (!match) continue; // an unreadable range says nothing about what is acceptable
    const qParam = params.find((p) => /^q\s*=/.test(p));
    const q = qParam === undefined ? 1 : Number(qParam.replace(/^q\s*=\s*/, ''));
    if (!Number.isFinite(q) || q < 0 || q > 1) continue;
    ranges.push({ type: match[1]!, subtype: match[2]!, q });
  }
  return ranges;
}

function specificity(range: MediaRange, type: string, subtype: string): number {
  if (range.type === type && range.subtype === subtype) return 3;
  if (range.type === type && range.subtype === '*') return 2;
  if (range.type === '*' && range.subtype === '*') return 1;
  return 0;
}

/** The offer Accept prefers; the first offer without a usable Accept; undefined when Accept rules out every offer. */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | undefined {
  const ranges = accept === undefined ? [] : parseAccept(accept);
  if (ranges.length === 0) return offers[0];
  let best: { offer: string; q: number } | undefined;
  for (const offer of offers) {
    const [type = '', subtype = ''] = offer.split('/');
    let q = 0;
    let most = 0;
    for (const range of ranges) {
      const level = specificity(range, type, subtype);
      if (level > most || (level === most && level > 0 && range.q > q)) [most, q] = [level, range.q];
    }
    if (q > 0 && (best === undefined || q > best.q)) best = { offer, q };
  }
  return best?.offer;
}
