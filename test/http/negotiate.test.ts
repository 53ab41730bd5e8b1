// Accept negotiation on its own: q-values, q=0, specificity, ties, unreadable headers.
import t from 'tap';
import { negotiate } from '../../src/http/negotiate.js';

const OFFERS = ['image/png', 'image/webp', 'image/jpeg', 'application/json'];

t.test('the offer Accept prefers', async (t) => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, 'image/png'],
    ['', 'image/png'],
    ['*/*', 'image/png'],
    ['image/webp', 'image/webp'],
    ['image/*', 'image/png'],
    ['application/json', 'application/json'],
    ['application/*', 'application/json'],
    ['application/json;q=0', undefined],
    ['application/json;q=0, */*', 'image/png'],
    ['*/*;q=0.1, application/json;q=0.5', 'application/json'],
    ['image/png;q=0.5, application/json', 'application/json'],
    ['image/png, application/json', 'image/png'],
    ['image/jpeg;q=0.5, image/webp;q=0.9', 'image/webp'],
    ['image/*;q=0.3, image/jpeg;q=0.8', 'image/jpeg'],
    ['image/*, image/png;q=0', 'image/webp'],
    ['IMAGE/WEBP; Q=0.7', 'image/webp'],
    ['text/html', undefined],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8', 'image/webp'],
    ['not a media type', undefined],
    ['application/json;q=2, image/jpeg', 'application/json'],
  ];
  for (const [accept, expected] of cases) t.equal(negotiate(accept, OFFERS), expected, String(accept));
});
