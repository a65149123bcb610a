/** Replaying real programs' traces on the full machine (`vmscope replay`, `vmscope record`). */
export * from "./layout.js";
export * from "./maps_file.js";
export * from "./player.js";
export * from "./recorded_maps.js";
export * from "./replay.js";
export * from "./touched_pages.js";
