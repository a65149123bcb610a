/**
 * One colour per process, shared by the faults chart and the frame map's owner colouring, so a
 * process reads the same everywhere. Chosen to stay apart from each other and from the neutral
 * greys the frame map uses for free and kernel frames.
 */
const PROCESS_COLOURS: readonly string[] = [
  "#1f5fbf", // blue
  "#d4561c", // orange
  "#1e8a4c", // green
  "#a2399e", // purple
  "#c9a000", // ochre
  "#0f8f9a", // teal
  "#b3261e", // red
  "#6b4f2a", // brown
];

/** The colour of the process at `position` in the machine's process list. */
export function processColour(position: number): string {
  const count = PROCESS_COLOURS.length;
  return PROCESS_COLOURS[((position % count) + count) % count] as string;
}
