/** The same program in ASCII (asciiSource.mjs). */
export function asciiOnly(text: string): string;
