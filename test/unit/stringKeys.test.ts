import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DICTIONARY_PARTS, dictionaries } from '../../server/strings/translate.ts';

const ROOT = join(import.meta.dirname, '../..');
const STRINGS = join(ROOT, 'server/strings');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === STRINGS ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The start of a key written with a substitution: `category.${c}`, not `${area}.title`. */
const KEY_PREFIX = /^[a-z][\w.]*\.$/i;

/**
 * What the product code could pass to the translator: every string literal, and every template
 * literal or `'prefix.' + x` as a pattern in which each substitution stands for
 * one or more key segments.
 */
function keyUses(): { literals: Set<string>; patterns: RegExp[] } {
  const literals = new Set<string>();
  const patterns: RegExp[] = [];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const segment = '[\\w.-]+';
  for (const file of [...sourceFiles(join(ROOT, 'server')), ...sourceFiles(join(ROOT, 'views'))]) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.add(node.text);
      else if (ts.isTemplateExpression(node) && KEY_PREFIX.test(node.head.text)) {
        patterns.push(new RegExp(`^${escape(node.head.text)}${node.templateSpans.map((span) => segment + escape(span.literal.text)).join('')}$`));
      } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken && ts.isStringLiteral(node.left) && KEY_PREFIX.test(node.left.text)) {
        patterns.push(new RegExp(`^${escape(node.left.text)}${segment}$`));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { literals, patterns };
}

describe('the strings layer', () => {
  it('has the same keys in English and Simplified Chinese in every part', () => {
    for (const [name, part] of Object.entries(DICTIONARY_PARTS)) {
      expect(Object.keys(part.zh).sort(), name).toEqual(Object.keys(part.en).sort());
    }
  });

  it('uses every key somewhere in the server or the views', () => {
    const { literals, patterns } = keyUses();
    const unused = Object.keys(dictionaries.en).filter((key) => !literals.has(key) && !patterns.some((p) => p.test(key)));
    expect(unused).toEqual([]);
  });

});
