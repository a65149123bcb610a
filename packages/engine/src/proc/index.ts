/** Renderers of Linux's text views (/proc/PID/maps, smaps, status, /proc/vmstat, meminfo, swaps, buddyinfo) and vmscope's page-walk, LRU and TLB views. */
export { renderBuddyinfo } from "./buddyinfo.js";
export {
  CACHE_LINES_SHOWN,
  cacheCounters,
  formatBytes,
  renderCaches,
  renderOneCache,
} from "./caches.js";
export { LRU_PAGES_SHOWN, lruFlagLetters, renderLru } from "./lru.js";
export { mapsLine, mapsPrefix, renderMaps, vmaName } from "./maps.js";
export { memAvailablePages, meminfoValues, renderMeminfo } from "./meminfo.js";
export { type PagemapEntry, pagemapEntries, pagemapValue, renderPagemap } from "./pagemap.js";
export { type LevelName, renderWalk, type WalkLevel, walkLevels } from "./pagetable.js";
export { renderSmaps, type SmapsStats, smapsBlock, smapsStats } from "./smaps.js";
export { processCounters, renderStatus } from "./status.js";
export { renderSwaps } from "./swaps.js";
export { renderOneTlb, renderTlb, tlbCounters, tlbFlagNames } from "./tlb.js";
export { linuxVmFlags, vmFlagsLine } from "./vm_flags.js";
export {
  mappedFilePages,
  type PageStates,
  pageStates,
  renderVmstat,
  vmstatValues,
} from "./vmstat.js";
export { renderWalkJourney, type WalkStep, walkSteps } from "./walk.js";
