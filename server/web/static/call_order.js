/**
 * The order a counter calls its waiting tickets in, kept by its console from events.
 *
 * The server decides every call (server/queue.py: `choose`, `call_order`); this is the same
 * rule, so that a console can keep its waiting list in call order as tickets come and go
 * without asking the server again after every event (with hundreds of consoles, those
 * re-reads were most of the server's work). tests/console/test_call_order_js.py holds the
 * two to the same answers. What the console knows of each queue is its first tickets (a
 * prefix, from the counter's view) and how many wait in it; the order is only given as far
 * as those prefixes reach, and the console reads the view again when it needs more.
 */

/** Microseconds since the epoch of an ISO time with up to six decimals ("...:05.123456Z"). */
export function micros(iso) {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(.*)$/.exec(iso);
  if (!match) return Date.parse(iso) * 1000;
  const zone = match[3] || "Z";
  return Date.parse(match[1] + zone) * 1000 + Number((match[2] || "").padEnd(6, "0"));
}

/** Which of the counter's queues a waiting ticket is in ("sent" or a category id, and the
 * class), or null if the counter does not call it. */
export function queueOf(ticket, counter) {
  if (ticket.state !== "waiting") return null;
  const cls = ticket.priority_group ? "p" : "o";
  if (ticket.target_counter_id === counter.id) return `sent:${cls}`;
  if (ticket.target_counter_id !== null) return null;
  return counter.categories.some((link) => link.category_id === ticket.category_id) ? `${ticket.category_id}:${cls}` : null;
}

/** The key of a queue count from the view ({category_id, priority, waiting}). */
export function countKey(count) {
  return `${count.category_id === null ? "sent" : count.category_id}:${count.priority ? "p" : "o"}`;
}

function lexLess(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

function minBy(items, key) {
  let best = null;
  let bestKey = null;
  for (const item of items) {
    const k = key(item);
    if (best === null || lexLess(k, bestKey)) [best, bestKey] = [item, k];
  }
  return best;
}

/** The server's `choose`: which head a counter calls next, or null. */
export function choose(center, callsBeforePriority, heads, nowMicros) {
  const priority = heads.filter((h) => h.ticket.priority_group);
  const ordinary = heads.filter((h) => !h.ticket.priority_group);
  let pool;
  if (center.priority_rule === "ageing") {
    const limit = center.ageing_minutes * 60e6;
    const urgent = [...priority, ...ordinary.filter((h) => nowMicros - h.queued >= limit)];
    if (urgent.length) return minBy(urgent, (h) => [h.queued, h.position, h.ticket.id]);
    pool = ordinary;
  } else if (center.priority_rule === "ratio") {
    pool = priority.length && (callsBeforePriority === 0 || !ordinary.length) ? priority : ordinary;
  } else {
    pool = priority.length ? priority : ordinary;
  }
  if (!pool.length) return null;
  return minBy(pool, (h) => [-(nowMicros - h.queued) * h.weight, h.position, h.queued, h.ticket.id]);
}

/**
 * The first `limit` tickets the counter would call now, from what is known: `tickets` (the
 * known waiting tickets of its queues) and `counts` (queue key -> how many wait in it).
 * Returns {order, whole}: `whole` is false when the order stopped at a queue whose next
 * ticket is not known (read the view again for more).
 */
export function callOrder(center, counter, tickets, counts, limit, nowMicros = Date.now() * 1000) {
  const links = new Map(counter.categories.map((link) => [link.category_id, link]));
  const queues = new Map();
  for (const ticket of tickets) {
    const key = queueOf(ticket, counter);
    if (key === null) continue;
    const link = key.startsWith("sent") ? null : links.get(ticket.category_id);
    if (!queues.has(key)) queues.set(key, { key, items: [], weight: link ? link.weight : 1, position: link ? link.position : -1 });
    queues.get(key).items.push({ ticket, queued: micros(ticket.queued_at) });
  }
  for (const q of queues.values()) q.items.sort((a, b) => a.queued - b.queued || a.ticket.id - b.ticket.id);
  let due = counter.ordinary_calls_before_priority || 0;
  const taken = new Map(); // queue key -> how many taken from it
  const order = [];
  while (order.length < limit) {
    const heads = [];
    let unknown = false;
    for (const q of queues.values()) {
      const n = taken.get(q.key) || 0;
      if (n < q.items.length) heads.push({ ...q.items[n], weight: q.weight, position: q.position, key: q.key });
      else if (n < (counts.get(q.key) || 0)) unknown = true;
    }
    for (const [key, count] of counts) if (!queues.has(key) && count > 0) unknown = true;
    if (unknown) return { order, whole: false }; // the next call may be a ticket not known here
    const chosen = choose(center, due, heads, nowMicros);
    if (chosen === null) break;
    order.push(chosen.ticket);
    taken.set(chosen.key, (taken.get(chosen.key) || 0) + 1);
    due = chosen.ticket.priority_group ? center.priority_ratio : Math.max(0, due - 1);
  }
  return { order, whole: true };
}
