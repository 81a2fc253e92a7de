/** A form's fields as strings (a file field reads as empty): what the valibot form schemas take. */
export function formFields(body: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(body).map(([k, val]) => [k, typeof val === 'string' ? val : '']));
}
