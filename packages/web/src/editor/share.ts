/**
 * Sharing an edited scenario as a link: its source, UTF-8 encoded and written in base64url
 * (RFC 4648 §5, no padding), goes into the page's hash as `#src=...`. Pure: no DOM.
 */

const HASH_KEY = "src";

/** base64url (no padding) of the UTF-8 bytes of `text`. */
export function encodeSource(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The text `encoded` holds; null when it is not base64url or not valid UTF-8. */
export function decodeSource(encoded: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded) || encoded.length % 4 === 1) return null;
  const base64 = encoded.replace(/-/g, "+").replace(/_/g, "/");
  let binary: string;
  try {
    binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The hash (with its `#`) that carries `source`. */
export function sourceHash(source: string): string {
  return `#${HASH_KEY}=${encodeSource(source)}`;
}

/** The source a location hash (`#src=...`, with or without `#`) carries, or null. */
export function sourceFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const encoded = params.get(HASH_KEY);
  return encoded === null ? null : decodeSource(encoded);
}
