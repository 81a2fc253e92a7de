// SVG → PNG with resvg (Rust, via @resvg/resvg-js prebuilt binaries), off the event loop, with the
// CJK font the appliance ships: no system fonts are read, so a chart looks the same everywhere.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fontCoverage, missingCharacters } from './fontCoverage.ts';
import { encodePng } from './pngEncode.ts';

/**
 * Noto Sans SC Regular (SIL OFL 1.1, see assets/fonts/OFL.txt) cut to GB2312 + Latin + punctuation,
 * in two files: the 3,755 common hanzi with Latin and punctuation, and the 3,008 rarer ones under
 * their own family name, which resvg falls back to per character. resvg reads a font file again for
 * every text element it lays out, so the smaller file every label uses halves a chart's CPU time.
 */
export const CHART_FONT_FILES = ['NotoSansSC-Regular-common.ttf', 'NotoSansSCRare-Regular.ttf'].map((name) =>
  fileURLToPath(new URL(`../../assets/fonts/${name}`, import.meta.url)),
);
export const CHART_FONT_FAMILY = 'Noto Sans SC';
/** 640 SVG units at 1.5× = 960 px wide: sharp on a phone, still small as a PNG. */
export const CHART_ZOOM = 1.5;

let covers: ((cp: number) => boolean) | undefined;

/** Characters of the SVG's text the shipped font has no glyph for. */
export function charactersWithoutGlyph(svg: string): string[] {
  if (!covers) {
    const each = CHART_FONT_FILES.map((file) => fontCoverage(readFileSync(file)));
    covers = (cp) => each.some((c) => c(cp));
  }
  const text = [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1]!)).join('');
  return missingCharacters(text, covers);
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
}

/** A report's text waits for its chart; a stuck render must not hold it for long. */
export const CHART_TIMEOUT_MS = 20_000;

/** Characters XML 1.0 forbids: resvg refuses the whole drawing for one of them. */
const NON_XML_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export async function rasteriseSvg(svg: string, timeoutMs = CHART_TIMEOUT_MS): Promise<Buffer> {
  // Intake refuses control characters in metric names and stores; a name stored before that rule
  // must not keep every chart that shows it from drawing.
  const drawable = svg.replace(NON_XML_CHARACTERS, '');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`chart rendering took over ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // The native renderer (7 MB of RSS and ~70 ms to load) is loaded by the first chart, not at start:
    // most appliances draw a chart once a day, if ever.
    const { renderAsync } = await import('@resvg/resvg-js');
    const image = await Promise.race([
      renderAsync(drawable, {
        // Opaque, so resvg's premultiplied pixels are the plain RGBA the PNG stores.
        background: '#ffffff',
        font: { loadSystemFonts: false, fontFiles: CHART_FONT_FILES, defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY },
        fitTo: { mode: 'zoom', value: CHART_ZOOM },
        shapeRendering: 2,
        textRendering: 1,
      }),
      timeout,
    ]);
    return await encodePng(image.pixels, image.width, image.height);
  } finally {
    clearTimeout(timer);
  }
}
