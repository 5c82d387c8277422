/**
 * Runs task over items with at most `limit` in flight. Rejects with the first
 * error; after it no new task starts (tasks in flight finish on their own).
 *
 * @template T
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<void>} task
 * @returns {Promise<void>}
 */
export async function runPool(items, limit, task) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++];
      try {
        await task(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = [];
  for (let i = 0; i < Math.min(limit, items.length); i++) workers.push(worker());
  await Promise.all(workers);
}
