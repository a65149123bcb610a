/** Renderers of Linux's text views (/proc/PID/maps, smaps, status, /proc/vmstat, meminfo) and vmscope's page-walk and TLB views. */
export { mapsLine, mapsPrefix, renderMaps, vmaName } from "./maps.js";
export { meminfoValues, renderMeminfo } from "./meminfo.js";
export { type PagemapEntry, pagemapEntries, pagemapValue, renderPagemap } from "./pagemap.js";
export { type LevelName, renderWalk, type WalkLevel, walkLevels } from "./pagetable.js";
export { renderSmaps, type SmapsStats, smapsBlock, smapsStats } from "./smaps.js";
export { processCounters, renderStatus } from "./status.js";
export { renderOneTlb, renderTlb, tlbCounters, tlbFlagNames } from "./tlb.js";
export { linuxVmFlags, vmFlagsLine } from "./vm_flags.js";
export { mappedFilePages, renderVmstat, vmstatValues } from "./vmstat.js";
