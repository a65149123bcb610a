import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { SimulationStore } from "./store.js";
import "./style.css";

const store = new SimulationStore(
  new URLSearchParams(location.search).get("scenario") ?? "heap-write",
);
const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
