// A small JSON Schema (2020-12) validator for the keywords the OpenAPI document uses. An unknown
// keyword is an error rather than ignored, so the document cannot outgrow what the test checks.
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['description', 'default', 'title', 'examples', 'format']);
const KNOWN = new Set([
  ...ANNOTATIONS,
  '$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items',
  'anyOf', 'oneOf', 'allOf', 'minimum', 'maximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'maxProperties',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  return typeOf(value) === type;
}

/** Problems found, each as "<path>: <what>"; empty when the value is valid. */
export function validate(schema: Schema, value: unknown, root: Schema, path = '$'): string[] {
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) return [`${path}: the validator does not know the keyword "${key}"`];
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce<unknown>((at, k) => (at as Schema | undefined)?.[k], root);
    if (!target) return [`${path}: unresolved ${schema.$ref}`];
    return validate(target as Schema, value, root, path);
  }
  const problems: string[] = [];
  const fail = (what: string) => problems.push(`${path}: ${what}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join('|')}, got ${typeOf(value)}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ('const' in schema && schema.const !== value) fail(`expected ${JSON.stringify(schema.const)}`);
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) fail('not a date-time');
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...validate(schema.items as Schema, item, root, `${path}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in object)) fail(`"${name}" is required`);
    if (typeof schema.maxProperties === 'number' && Object.keys(object).length > schema.maxProperties) fail(`more than ${schema.maxProperties} properties`);
    for (const [name, v] of Object.entries(object)) {
      if (schema.propertyNames) problems.push(...validate(schema.propertyNames as Schema, name, root, `${path}.${name} (name)`));
      if (properties[name]) problems.push(...validate(properties[name], v, root, `${path}.${name}`));
      else if (schema.additionalProperties === false) fail(`"${name}" is not allowed`);
      else if (typeof schema.additionalProperties === 'object') problems.push(...validate(schema.additionalProperties as Schema, v, root, `${path}.${name}`));
    }
  }
  if (schema.allOf) for (const s of schema.allOf as Schema[]) problems.push(...validate(s, value, root, path));
  if (schema.anyOf && !(schema.anyOf as Schema[]).some((s) => validate(s, value, root, path).length === 0)) fail('matches none of anyOf');
  if (schema.oneOf) {
    const matches = (schema.oneOf as Schema[]).filter((s) => validate(s, value, root, path).length === 0).length;
    if (matches !== 1) fail(`matches ${matches} of oneOf, not exactly one`);
  }
  return problems;
}
