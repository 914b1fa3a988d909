/** `1 document`, `2 documents`: counts in the commands' sentences. */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`
