/**
 * Projector mode: a "Large text" switch that scales the page's fonts and boxes up (style.css,
 * `html.large-text`), remembered in localStorage so a reload in front of a room keeps it.
 */
import { useLayoutEffect, useState } from "react";

export const LARGE_TEXT_KEY = "vmscope.largeText";
const CLASS = "large-text";

function stored(): boolean {
  try {
    return localStorage.getItem(LARGE_TEXT_KEY) === "1";
  } catch {
    return false; // storage blocked: start small
  }
}

export function LargeTextToggle() {
  const [large, setLarge] = useState(stored);
  // Before paint, so a reload in large mode never flashes the small page.
  useLayoutEffect(() => {
    document.documentElement.classList.toggle(CLASS, large);
    try {
      if (large) localStorage.setItem(LARGE_TEXT_KEY, "1");
      else localStorage.removeItem(LARGE_TEXT_KEY);
    } catch {
      // storage blocked: the switch still works for this visit
    }
  }, [large]);
  return (
    // A button, not a checkbox: the page's keys (arrows, space) keep working after a click.
    <button
      type="button"
      className="large-text-toggle"
      aria-pressed={large}
      data-testid="large-text"
      title="Bigger fonts and boxes, for a projector"
      onClick={() => setLarge(!large)}
    >
      Large text {large ? "on" : "off"}
    </button>
  );
}
