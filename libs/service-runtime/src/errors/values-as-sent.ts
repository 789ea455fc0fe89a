import { defaultMetadataStorage } from 'class-transformer/cjs/storage';
import { isSentAsIs } from '@tollgate/contracts';

type Path = Array<string | number>;
const isObject = (value: unknown): value is Record<string | number, unknown> => typeof value === 'object' && value !== null;

/**
 * Takes the `@AsSent()` values out of a body about to be validated, leaving an empty list or object
 * of the same kind in their place (so rules such as "must be a list" still hold), and gives back
 * what puts them into the validated result. Nested DTOs (`@Type(() => Dto)`) are searched too.
 */
export function setAsideValuesAsSent(dto: Function, body: unknown): (validated: unknown) => void {
  const setAside: Array<[Path, unknown]> = [];
  const walk = (type: Function, value: unknown, path: Path) => {
    if (!isObject(value) || Array.isArray(value)) return;
    for (const [key, item] of Object.entries(value)) {
      if (isSentAsIs(type, key)) {
        if (!isObject(item)) continue;
        setAside.push([[...path, key], item]);
        value[key] = Array.isArray(item) ? [] : {};
        continue;
      }
      const nested = defaultMetadataStorage.findTypeMetadata(type, key)?.typeFunction() as Function | undefined;
      if (!nested) continue;
      if (Array.isArray(item)) item.forEach((entry, i) => walk(nested, entry, [...path, key, i]));
      else walk(nested, item, [...path, key]);
    }
  };
  walk(dto, body, []);
  return (validated) => {
    for (const [path, original] of setAside) {
      for (const target of [validated, body]) {
        const parent = path.slice(0, -1).reduce<unknown>((at, step) => (isObject(at) ? at[step] : undefined), target);
        if (isObject(parent)) parent[path[path.length - 1]] = original;
      }
    }
  };
}
