import { registerDecorator, type ValidationOptions } from 'class-validator';

export const MODULE_ROLES = ['admin', 'contributor', 'reader'] as const;
export type ModuleRole = (typeof MODULE_ROLES)[number];
export type ModuleRoles = Record<string, ModuleRole>;

export const MODULE_NAME = /^[a-z][a-z0-9_-]*$/;

/** Whether these roles make their user an admin of some module: what personal keys need, and what a downgrade takes away. */
export const isAdminOfAnyModule = (roles: ModuleRoles): boolean => Object.values(roles).includes('admin');

/** A map of module name to role, e.g. {"users":"admin","query":"reader"}. */
export function IsModuleRoles(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isModuleRoles',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must map module names to one of ${MODULE_ROLES.join(', ')}`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          return Object.entries(value).every(
            ([module, role]) => MODULE_NAME.test(module) && (MODULE_ROLES as readonly unknown[]).includes(role),
          );
        },
      },
    });
}
