-- Written for NestedFilesIT: per 5-minute window, the mean of the per-item counts.
-- First query: per item and window, the count. Second query, at every emission over the complete
-- table of those counts: per window, the mean over its items and the number of items.
SELECT
  item_id,
  TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY item_id, TUMBLE(`timestamp`, INTERVAL '5' MINUTE)
-- for_each_batch
SELECT
  window_start,
  AVG(CAST(interaction_count AS DOUBLE)) AS mean_item_count,
  COUNT(*) AS num_item
FROM AGGREGATED
GROUP BY window_start
-- end_for
