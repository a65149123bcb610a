/**
 * The machine-view worker: re-runs a scenario up to a point (machine_at_step.ts) and sends back
 * the panels' view of the machine there (machine_view.ts), so a point far into a long run costs
 * the page nothing but the wait. One request at a time; the page sends the next when this one's
 * answer has arrived.
 */
import { MachineAtStep } from "./machine_at_step.js";
import { viewOfMachine } from "./machine_view.js";
import type { ViewMessage, ViewRequest } from "./machine_view_source.js";

const scope = self as unknown as {
  postMessage(message: ViewMessage): void;
  onmessage: ((event: MessageEvent<ViewRequest>) => void) | null;
};

/** The run of the last scenario asked about, which caches the machine of its last point. */
let steps: MachineAtStep | null = null;

scope.onmessage = ({ data }) => {
  try {
    if (steps === null || steps.source !== data.source || steps.file !== data.file)
      steps = new MachineAtStep(data.source, data.file);
    const machine = steps.at(data.point);
    scope.postMessage({
      key: data.key,
      view: viewOfMachine(machine, data.access),
      milliseconds: steps.lastRunMs,
    });
  } catch (error) {
    scope.postMessage({
      key: data.key,
      error: error instanceof Error ? error.message : String(error),
    });
  }
};
