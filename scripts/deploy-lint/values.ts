// Typed readers over parsed YAML and JSON: unknown in, narrowed out (a missing or mistyped field reads
// as empty, so that each check reports what it expected instead of throwing).

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
export function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
/** A number, or a string that is one (YAML quotes ports and counts at will). */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}
