// API bodies are JSON, and JSON is UTF-8 (RFC 8259 §8.1). A body that is not (a sender's GBK, say) is
// refused: decoded leniently, it was stored with U+FFFD in place of what the sender wrote.
import type { Context } from 'hono';

/** Made once: a decode() without `stream` starts afresh, so one decoder serves every request. */
const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/** The 400 for a body that is not UTF-8, in the API's error shape. */
export const notUtf8Answer = (c: Context) => c.json({ error: 'invalid_encoding', message: 'The body is not valid UTF-8: send the JSON encoded as UTF-8' }, 400);

/**
 * The request body as text, decoded once. `utf8: false` when its bytes are not UTF-8: the text then
 * has U+FFFD in their place, good only for checking the token and signature as before (so a refusal
 * for the token still comes first) and never to be stored.
 */
export async function readBodyText(c: Context): Promise<{ text: string; utf8: boolean }> {
  const bytes = await c.req.arrayBuffer();
  try {
    return { text: strict.decode(bytes), utf8: true };
  } catch {
    return { text: lenient.decode(bytes), utf8: false };
  }
}
