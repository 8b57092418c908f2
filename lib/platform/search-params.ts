/** A page's search parameter as one string: `?a=1&a=2` names the first, a missing one is undefined. */
export const firstParam = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
