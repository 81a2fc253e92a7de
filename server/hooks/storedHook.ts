import * as v from 'valibot';
import type { Db } from '../../db/client.ts';
import { getHookMapping } from '../../db/queries/hooks.ts';
import { compileHook, hookDefinitionSchema, HOOK_NAME, type CompiledHook, type HookDefinition } from './mapping.ts';

/** The stored definition read back through its schema: a row written by an older version is checked, not trusted. */
export function readHookDefinition(json: string): HookDefinition | undefined {
  try {
    const parsed = v.safeParse(hookDefinitionSchema, JSON.parse(json));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

/** The named mapping ready to apply, or undefined when there is none (or it no longer compiles). */
export function loadHook(db: Db, name: string): CompiledHook | undefined {
  if (!HOOK_NAME.test(name)) return undefined;
  const row = getHookMapping(db, name);
  const definition = row && readHookDefinition(row.definition);
  const compiled = definition && compileHook(definition);
  return compiled && compiled.ok ? compiled.hook : undefined;
}
