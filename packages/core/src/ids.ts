import { validate as uuidValidate, v7 as uuidv7 } from 'uuid';

/** UUID v7: sorts by creation time, which the comment indexes rely on for tie-breaks. */
export const newId = (): string => uuidv7();

export const isId = (value: string): boolean => value.length === 36 && uuidValidate(value);
