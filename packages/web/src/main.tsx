import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { sourceFromHash } from "./editor/share.js";
import { SimulationStore } from "./store.js";
import "./style.css";

const store = new SimulationStore(
  new URLSearchParams(location.search).get("scenario") ?? "heap-write",
);
// --- scenario editor: a shared link (#src=...) loads and runs its source ---
const runSharedSource = () => {
  const shared = sourceFromHash(location.hash);
  if (shared !== null && shared !== store.getSnapshot().source) store.run(shared);
};
runSharedSource();
window.addEventListener("hashchange", runSharedSource);
// --- end scenario editor ---
const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
