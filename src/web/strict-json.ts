/**
 * Finds a duplicated member name in a JSON text, which JSON.parse would silently resolve to the
 * last value (RFC 8259 §4 leaves it undefined). Returns the name, or null. Assumes the text is
 * otherwise well-formed; JSON.parse runs after it.
 */
export function findDuplicateKey(text: string): string | null {
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{") {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === "[") {
      stack.push(null);
      expectKey = false;
    } else if (ch === "}" || ch === "]") {
      stack.pop();
      expectKey = false;
    } else if (ch === ",") {
      expectKey = stack[stack.length - 1] !== null;
    } else if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (expectKey) {
        const keys = stack[stack.length - 1];
        let name: string;
        try {
          name = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return null;
        }
        if (keys?.has(name)) return name;
        keys?.add(name);
        expectKey = false;
      }
      i = end;
    }
  }
  return null;
}
