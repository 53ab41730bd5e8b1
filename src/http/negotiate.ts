// Accept negotiation (RFC 9110, section 12.5.1) with `negotiator`, the parser behind Express's
// `accepts`: each offer takes the q of the most specific media range that matches it, q=0 rules it out,
// the highest q wins and ties go to the server's order of offers. No Accept, or an empty one, accepts
// anything; a header that names no usable range accepts nothing (406).
import Negotiator from 'negotiator';

/** The offer Accept prefers; the first offer without Accept; undefined when Accept rules out every offer. */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | undefined {
  const header = accept === undefined || accept.trim() === '' ? '*/*' : accept;
  return new Negotiator({ headers: { accept: header } }).mediaType([...offers]);
}
