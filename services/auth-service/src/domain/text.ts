/** Characters as people count them (and as protovalidate's min_len/max_len do): an emoji counts once. */
export function codePointCount(text: string): number {
  return [...text].length;
}
