/**
 * The LRU lists at the step shown: a bar per list (its share of RAM), the machine's reclaim
 * policy, and the lists page by page as `show lru` prints them (the engine's renderLru).
 */
import type { MachineView } from "../machine_view.js";

/** The lists in enum lru_list order, the order of LruLists.sizes. */
const LIST_NAMES = ["inactive_anon", "active_anon", "inactive_file", "active_file"] as const;
const LIST_COLOURS = ["#f0a268", "#e0661b", "#86aee8", "#2f6fd0"] as const;

export function LruPanel({ machine }: { machine: MachineView }) {
  const sizes = machine.lru.sizes;
  const frames = machine.frames.total;
  const policy = machine.policy;
  return (
    <div className="lru" data-testid="lru">
      <p className="muted">
        {policy === null
          ? "Reclaim takes pages from the tail of the inactive lists (Linux's lists): a page used again while inactive is activated; the active lists refill the inactive ones."
          : `machine policy=${policy}: the ${policy} policy picks reclaim's victims; the lists are kept for the counts of /proc/meminfo only.`}
      </p>
      <table className="lru-bars">
        <tbody>
          {LIST_NAMES.map((name, list) => {
            const size = sizes[list] ?? 0;
            const share = frames === 0 ? 0 : size / frames;
            return (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td className="lru-size" data-lru-list={name}>
                  {size}
                </td>
                <td className="lru-bar-cell">
                  <span
                    className="lru-bar"
                    style={{
                      width: `${Math.max(size > 0 ? 0.5 : 0, share * 100)}%`,
                      background: LIST_COLOURS[list],
                    }}
                  />
                </td>
                <td className="muted">{(share * 100).toFixed(1)}% of RAM</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="muted">
        As <code>show lru</code> prints them: head (just added or activated) first, tail (where
        reclaim scans next) last. Flags: R referenced, D dirty, A active, I readahead, s in the swap
        cache.
      </p>
      <pre className="lru-text" data-testid="lru-text">
        {machine.lru.text}
      </pre>
    </div>
  );
}
