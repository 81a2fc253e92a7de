// V8 keeps a script's source text in its heap one byte a character only when every character is
// Latin-1: one other character makes the whole text two bytes a character. esbuild escapes non-ASCII
// characters in strings but leaves them in regular expressions and comments, so a few lines of CJK
// punctuation doubled the bundle's 1.46 MB in the heap. Plain JavaScript: bundleMain.mjs runs with node alone.

/**
 * The same program in ASCII: every other character as a `\uXXXX` escape, which means that character
 * in a string, a template, a regular expression (with or without the u flag; a surrogate pair as two
 * escapes) and an identifier, and is inert in a comment. An identity escape (`\、` in a regular
 * expression) becomes the escape alone, not a backslash before it. One thing it would change: the
 * raw text of a tagged template (what `String.raw` reads), which esbuild leaves unescaped on
 * purpose; no tag in the appliance reads raw text.
 */
export function asciiOnly(text) {
  return text.replace(/(\\*)([^\x00-\x7f])/g, (_, slashes, c) => {
    const escape = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    return (slashes.length % 2 === 1 ? slashes.slice(1) : slashes) + escape;
  });
}
