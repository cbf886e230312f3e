-- Average interactions per item, in 5-minute windows.
--
-- One document per window: the events in the window (interaction_count), the distinct items that
-- received them (num_item, exact), and their ratio (avg_interactions_per_item = events / distinct
-- items, a double). Windows are tumbling and aligned to the epoch, as in Spark.
-- The _id is derived: the window start (2024-10-28T12:00:00Z).
--
-- Fields: --jsonFieldsMap item_id=$.item_id
-- Document: {_id, window: {start, end}, interaction_count, num_item, avg_interactions_per_item}
SELECT
  TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,
  TUMBLE_END(`timestamp`, INTERVAL '5' MINUTE) AS window_end,
  COUNT(*) AS interaction_count,
  COUNT_DISTINCT(item_id) AS num_item,
  CAST(COUNT(*) AS DOUBLE) / COUNT_DISTINCT(item_id) AS avg_interactions_per_item
FROM SOURCE
GROUP BY TUMBLE(`timestamp`, INTERVAL '5' MINUTE);
