import { readFileSync } from 'node:fs';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';

/** A setting that could not be read or is invalid; its message is one line naming the setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadConfigOptions<S extends TSchema> {
  schema: S;
  /** The base file (config.yaml). */
  file: string;
  /** The environment to read overrides from; only a composition root passes process.env. */
  env: Record<string, string | undefined>;
  /** Environment variable name → dotted path in the config (e.g. AUTH_DB_DSN → database.dsn). */
  envBindings: Record<string, string>;
  /** Values that win over the file and the environment (tests). */
  overrides?: Record<string, unknown>;
}

/**
 * Reads config.yaml, applies environment overrides, converts strings to the schema's types and
 * validates. Throws a ConfigError naming the first bad setting.
 */
export function loadConfig<S extends TSchema>(options: LoadConfigOptions<S>): Static<S> {
  const base = readYaml(options.file);
  for (const [name, path] of Object.entries(options.envBindings)) {
    const value = options.env[name];
    if (value !== undefined && value !== '') setPath(base, path, value, name);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) setPath(base, path, value, path);
  const converted = Value.Convert(options.schema, Value.Default(options.schema, base));
  const firstError = Value.Errors(options.schema, converted)[0];
  if (firstError !== undefined) {
    const keys = firstError.instancePath.split('/').filter((key) => key !== '');
    // A missing setting is reported on its parent; name the setting itself.
    const missing = (firstError.params as { requiredProperties?: string[] }).requiredProperties?.[0];
    if (firstError.keyword === 'required' && missing !== undefined) keys.push(missing);
    const path = keys.join('.') || '(root)';
    const source = Object.entries(options.envBindings).find(([, p]) => p === path)?.[0];
    const where = source === undefined ? path : `${path} (env ${source})`;
    const problem = firstError.keyword === 'required' ? 'is required' : firstError.message;
    throw new ConfigError(`invalid setting ${where}: ${problem}`);
  }
  return converted as Static<S>;
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? {};
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a mapping`);
  }
  return parsed as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown, source: string): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      throw new ConfigError(`setting ${source}: ${key} is not a mapping in the config file`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
}

/**
 * A setting that holds a PEM (a key or a certificate): the PEM itself when the value starts with
 * -----BEGIN, else the path of a file holding it, so that keys can come from an environment
 * variable or a mounted secret alike. `where` names the setting in the error.
 */
export function pemFromSetting(value: string, where: string): string {
  // Leading blank lines or spaces (a YAML block, a pasted Secret) still make a PEM, not a path.
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    // The message goes to logs: it names the file only when the value looks like a path, never
    // echoing what may be a mangled key (quoted, base64 without its armour).
    const looksLikePath = value.length <= 255 && !/[\r\n]|-----|[A-Za-z0-9+/=]{64}/.test(value);
    const what = looksLikePath ? `${value} (${code})` : `(${code}; the value is neither a PEM text nor a file path)`;
    throw new ConfigError(`invalid setting ${where}: cannot read key file ${what}`);
  }
}
